/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Bindings of the embedded layer: a name this process answers for is one
 * SOCK_SEQPACKET listener in the name's folder of the rendezvous
 * directory, shared by every holder (the accepting sides bound to it and
 * Ouroboros.bindProcess) and closed with the last one.
 *
 * Nothing is left behind: the last holder removes the listener's file and
 * the name's folder when that leaves it empty; a normal exit removes what
 * this process still holds (atexit); and entries of processes killed
 * before they could (kill -9) are swept by the next bind or allocation of
 * that name.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
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
static pthread_once_t  ebind_exit_once = PTHREAD_ONCE_INIT;

/* How often a bind starts again when another process removed the folder. */
#define BIND_TRIES 16

/*
 * At a normal exit (the JVM calls exit() after its shutdown hooks, also
 * on SIGTERM and SIGINT): removes our listeners' files and their folders
 * if empty. The sockets stay open and nothing is freed: threads may still
 * run until the process is gone.
 */
static void ebind_exit(void)
{
        struct ebind * b;

        pthread_mutex_lock(&ebind_lock);
        for (b = ebind_list; b != NULL; b = b->next) {
                (void) unlinkat(b->dirfd, b->file, 0);
                rdv_remove_dir(RDV_NAME_DIR, b->name, b->len);
        }
        pthread_mutex_unlock(&ebind_lock);
}

static void ebind_exit_register(void)
{
        /* Without it, the next bind or allocation sweeps what we leave. */
        (void) atexit(ebind_exit);
}

/* The pid in "<pid>.s" (a listener) or ".<pid>-<x>.t" (one being bound). */
static pid_t entry_pid(const char * file)
{
        const char * p = file[0] == '.' ? file + 1 : file;
        char *       end;
        long         pid;
        size_t       l = strlen(file);

        if (l < 3 || (strcmp(file + l - 2, ".s") != 0 &&
                      strcmp(file + l - 2, ".t") != 0))
                return -1;

        errno = 0;
        pid = strtol(p, &end, 10);
        if (errno != 0 || end == p || pid <= 0 || pid > INT32_MAX ||
            (*end != '.' && *end != '-'))
                return -1;

        return (pid_t) pid;
}

/*
 * Whether the socket <dirfd>/<file> is dead for sure: its pid is gone and
 * it refuses a connection. The pid alone could be of another pid
 * namespace sharing the folder; the refusal alone is also what a listener
 * with a full backlog never gives, but a live process's socket being bound
 * does.
 */
static int entry_dead(int          dirfd,
                      const char * file)
{
        struct sockaddr_un sa;
        pid_t              pid = entry_pid(file);
        int                len;
        int                fd;
        int                dead;

        if (pid < 0 || pid == getpid())
                return 0;

        if (kill(pid, 0) == 0 || errno != ESRCH)
                return 0;

        len = rdv_addr(dirfd, file, &sa);
        if (len < 0)
                return 0;

        fd = esock_new(SOCK_SEQPACKET);
        if (fd < 0)
                return 0;

        /* Non-blocking: a live listener answers at once, a dead one too. */
        dead = connect(fd, (struct sockaddr *) &sa, len) < 0 &&
                errno == ECONNREFUSED;

        close(fd);

        return dead;
}

void ebind_sweep(int dirfd)
{
        struct dirent * de;
        DIR *           d;

        d = esock_opendir(dirfd);
        if (d == NULL)
                return; /* nothing swept: the next one will */

        while ((de = readdir(d)) != NULL) {
                if (entry_dead(dirfd, de->d_name))
                        rdv_unlink_stale(dirfd, de->d_name, de->d_ino);
        }

        closedir(d);
}

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

        for (tries = 0; tries < BIND_TRIES; ++tries) {
                b->dirfd = rdv_open_dir(RDV_NAME_DIR, b->name, b->len, 1);
                /* Made, then removed before we opened it: again. */
                if (b->dirfd == -ENAME)
                        continue;
                if (b->dirfd < 0)
                        return b->dirfd;

                ebind_sweep(b->dirfd);

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
                        /*
                         * The folder was removed (rdv_remove_dir) after we
                         * opened it: bind() in a removed folder is ENOENT.
                         */
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

        if (pthread_once(&ebind_exit_once, ebind_exit_register) != 0) {
                *err = -ENOMEM;
                return NULL;
        }

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
        rdv_remove_dir(RDV_NAME_DIR, b->name, b->len);
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
