/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Bindings of the embedded layer: a name this process answers for is one
 * SOCK_SEQPACKET listener in the name's folder of the rendezvous
 * directory, shared by every holder (the accepting sides bound to it and
 * Ouroboros.bindProcess) and closed with the last one.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "embedded.h"
#include "embedded_rendezvous.h"
#include "errors.h"

/*
 * This process's bindings. ebind_lock guards the list and each binding's
 * next, refs and proc_refs; see embedded.h for where it sits in the lock
 * order.
 */
static struct ebind *  ebind_list;
static pthread_mutex_t ebind_lock = PTHREAD_MUTEX_INITIALIZER;

/* Under ebind_lock. */
static struct ebind * bind_find(const char * name,
                                size_t       len)
{
        struct ebind * b;

        for (b = ebind_list; b != NULL; b = b->next)
                if (b->len == len && memcmp(b->name, name, len) == 0)
                        return b;

        return NULL;
}

/* Under ebind_lock: none of these calls waits for a peer. */
static int listener_new(struct ebind * b)
{
        struct sockaddr_un sa;
        char               tmp[48];
        int                salen;
        int                fd;
        int                tries;

        for (tries = 0; tries < 3; ++tries) {
                b->dirfd = rdv_open_dir(RDV_NAME_DIR, b->name, b->len, 1);
                if (b->dirfd < 0)
                        return b->dirfd;

                fd = esock_new(SOCK_SEQPACKET);
                if (fd < 0) {
                        close(b->dirfd);
                        return fd;
                }

                snprintf(b->file, sizeof(b->file), "%d.s", (int) getpid());
                snprintf(tmp, sizeof(tmp), ".%d-%llx.t", (int) getpid(),
                         (unsigned long long) rdv_random());

                salen = rdv_addr(b->dirfd, tmp, &sa);
                if (salen < 0) {
                        close(fd);
                        close(b->dirfd);
                        return salen;
                }

                /*
                 * Bind under a temporary name and rename once listening,
                 * so a client never takes a live server for a stale one.
                 */
                if (bind(fd, (struct sockaddr *) &sa, salen) == 0 &&
                    listen(fd, SOMAXCONN) == 0 &&
                    renameat(b->dirfd, tmp, b->dirfd, b->file) == 0) {
                        b->fd = fd;
                        return 0;
                }

                {
                        int e = errno;
                        (void) unlinkat(b->dirfd, tmp, 0);
                        close(fd);
                        close(b->dirfd);
                        /* The folder was removed by a last unbind: again. */
                        if (e != ENOENT)
                                return -e;
                }
        }

        return -ENOENT;
}

struct ebind * ebind_get(const char * name,
                         size_t       len,
                         int *        err)
{
        struct ebind * b;
        int            ret;

        pthread_mutex_lock(&ebind_lock);

        b = bind_find(name, len);
        if (b != NULL) {
                ++b->refs;
                pthread_mutex_unlock(&ebind_lock);
                return b;
        }

        b = calloc(1, sizeof(*b));
        if (b == NULL) {
                pthread_mutex_unlock(&ebind_lock);
                *err = -ENOMEM;
                return NULL;
        }

        b->tag.kind = TAG_LISTENER;
        memcpy(b->name, name, len);
        b->len  = len;
        b->refs = 1;

        ret = listener_new(b);
        if (ret < 0) {
                free(b);
                pthread_mutex_unlock(&ebind_lock);
                *err = ret;
                return NULL;
        }

        b->next    = ebind_list;
        ebind_list = b;

        pthread_mutex_unlock(&ebind_lock);

        return b;
}

void ebind_put(struct ebind * b)
{
        struct ebind ** p;

        pthread_mutex_lock(&ebind_lock);

        if (--b->refs > 0) {
                pthread_mutex_unlock(&ebind_lock);
                return;
        }

        for (p = &ebind_list; *p != NULL; p = &(*p)->next) {
                if (*p == b) {
                        *p = b->next;
                        break;
                }
        }

        (void) unlinkat(b->dirfd, b->file, 0);
        close(b->fd);
        close(b->dirfd);
        free(b);

        pthread_mutex_unlock(&ebind_lock);
}

int e_proc_bind(const char * name,
                size_t       len)
{
        struct ebind * b;
        int            err = 0;

        b = ebind_get(name, len, &err);
        if (b == NULL)
                return err;

        pthread_mutex_lock(&ebind_lock);
        ++b->proc_refs;
        pthread_mutex_unlock(&ebind_lock);

        return 0;
}

/*
 * Undoes one bindProcess, never a server channel's binding: those hold
 * the listener in their epoll set and free it themselves.
 */
int e_proc_unbind(const char * name,
                  size_t       len)
{
        struct ebind * b;

        pthread_mutex_lock(&ebind_lock);
        b = bind_find(name, len);
        if (b == NULL || b->proc_refs == 0) {
                pthread_mutex_unlock(&ebind_lock);
                return -ENAME;
        }
        --b->proc_refs;
        pthread_mutex_unlock(&ebind_lock);

        /* Our own reference: b stays valid until this put. */
        ebind_put(b);

        return 0;
}
