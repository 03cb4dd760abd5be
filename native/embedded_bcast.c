/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Broadcast layers of the embedded layer: a layer is a folder of the
 * rendezvous directory, a member one SOCK_DGRAM socket in it, and a write
 * one datagram to every other member, best effort, as a broadcast IPCP
 * does. Members read in the data plane (embedded_flow.c).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "clock.h"
#include "embedded.h"
#include "embedded_handshake.h"
#include "embedded_rendezvous.h"
#include "errors.h"

#define JOIN_TRIES 16 /* a folder taken away under our join */

/* How long one broadcast write waits for members with full queues. */
#define BCAST_PATIENCE_NS (50LL * 1000 * 1000)

/* Numbers the member files of this process, so each join has its own. */
static atomic_uint ebcast_member_seq;

/* The members of this process, for its exit (ebcast_exit). */
static pthread_mutex_t ebcast_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ebcast * ebcast_list;
static pthread_once_t  ebcast_exit_once = PTHREAD_ONCE_INIT;

/*
 * At a normal exit (also on SIGTERM and SIGINT, as ebind_exit): removes
 * our member files, and their layers' folders if that empties them.
 */
static void ebcast_exit(void)
{
        struct ebcast * me;

        pthread_mutex_lock(&ebcast_lock);
        for (me = ebcast_list; me != NULL; me = me->next) {
                (void) unlinkat(me->dir, me->self, 0);
                rdv_remove_dir(RDV_BCAST_DIR, me->layer, me->len);
        }
        pthread_mutex_unlock(&ebcast_lock);
}

static void ebcast_exit_register(void)
{
        /* Without it, the next join of the layer sweeps what we leave. */
        (void) atexit(ebcast_exit);
}

/*
 * Removes the member files ("<pid>-<n>.m") of processes that are gone:
 * killed, or gone before exit could remove them.
 */
static void ebcast_sweep(int dirfd)
{
        DIR *           d;
        struct dirent * de;
        int             fd = dup(dirfd);

        if (fd < 0)
                return;
        d = fdopendir(fd);
        if (d == NULL) {
                close(fd);
                return;
        }
        while ((de = readdir(d)) != NULL) {
                char * end;
                long   pid = strtol(de->d_name, &end, 10);

                if (pid <= 0 || *end != '-' || pid == (long) getpid())
                        continue;
                if (kill((pid_t) pid, 0) < 0 && errno == ESRCH)
                        rdv_unlink_stale(dirfd, de->d_name, de->d_ino);
        }
        closedir(d);
}

ssize_t ebcast_send(struct eflow * f,
                    const void *   buf,
                    size_t         len,
                    int64_t        timeo)
{
        struct ebcast *    me = eflow_bcast(f);
        int                fd = e_flow_fd(f);
        uint8_t            hdr = MSG_DATA;
        struct iovec       v[2];
        struct msghdr      m;
        struct sockaddr_un sa;
        struct dirent *    de;
        DIR *              d;
        int64_t            deadline = jour_deadline(timeo);
        int64_t            start = jour_now_ns();
        ssize_t            ret = (ssize_t) len;

        v[0].iov_base = &hdr;
        v[0].iov_len  = 1;
        v[1].iov_base = (void *) buf;
        v[1].iov_len  = len;

        d = esock_opendir(me->dir);
        if (d == NULL)
                return -errno;

        while ((de = readdir(d)) != NULL) {
                size_t l = strlen(de->d_name);
                int    salen;

                if (l < 3 || strcmp(de->d_name + l - 2, ".m") != 0 ||
                    strcmp(de->d_name, me->self) == 0)
                        continue;

                salen = rdv_addr(me->dir, de->d_name, &sa);
                if (salen < 0)
                        continue;

                memset(&m, 0, sizeof(m));
                m.msg_name    = &sa;
                m.msg_namelen = (socklen_t) salen;
                m.msg_iov     = v;
                m.msg_iovlen  = 2;

                for (;;) {
                        if (sendmsg(fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL)
                            >= 0)
                                break;
                        if (errno == EINTR)
                                continue;
                        if (errno == ECONNREFUSED) {
                                rdv_unlink_stale(me->dir, de->d_name,
                                                 de->d_ino);
                                break;
                        }
                        if (errno != EAGAIN || timeo == 0)
                                break; /* best effort, like the IPCP */
                        if (eflow_closing(f)) {
                                ret = -EFLOWDOWN;
                                goto out;
                        }
                        /*
                         * A member's queue is full and it has no wake-up:
                         * wait a little for it, then drop its copy, as a
                         * broadcast IPCP does, so a member that never reads
                         * cannot stall the writers.
                         */
                        if (jour_remaining(deadline) == 0 ||
                            jour_now_ns() - start > BCAST_PATIENCE_NS)
                                break;
                        (void) poll(NULL, 0, 1);
                }
        }
 out:
        closedir(d);

        return ret;
}

int e_flow_join(const char * layer,
                size_t       len,
                void **      lf)
{
        struct sockaddr_un sa;
        struct eflow *     f;
        struct ebcast *    me;
        int                dirfd;
        int                fd;
        int                salen;
        int                tries;
        int                e;

        dirfd = rdv_open_dir(RDV_BCAST_DIR, layer, len, 1);
        if (dirfd < 0)
                return dirfd;

        fd = esock_new(SOCK_DGRAM);
        if (fd < 0) {
                close(dirfd);
                return fd;
        }

        f = eflow_new(fd, 1);
        if (f == NULL) {
                close(fd);
                close(dirfd);
                return -ENOMEM;
        }

        me        = eflow_bcast(f);
        me->dir   = dirfd;
        me->layer = malloc(len > 0 ? len : 1);
        if (me->layer == NULL) {
                e_flow_dealloc(f);
                return -ENOMEM;
        }
        memcpy(me->layer, layer, len);
        me->len = len;
        snprintf(me->self, sizeof(me->self), "%d-%u.m", (int) getpid(),
                 atomic_fetch_add(&ebcast_member_seq, 1));

        /*
         * The last member to leave takes the layer's folder away: one that
         * goes between our open and our bind leaves us a folder that is
         * gone (ENOENT): open it anew, as a binder does (embedded_bind.c).
         */
        for (tries = 0;; ++tries) {
                ebcast_sweep(me->dir);
                /* A file of a dead process with our pid would block the bind. */
                (void) unlinkat(me->dir, me->self, 0);

                salen = rdv_addr(me->dir, me->self, &sa);
                if (salen >= 0 && bind(fd, (struct sockaddr *) &sa, salen) == 0)
                        break;
                e = salen < 0 ? -salen : errno;
                if (e == ENOENT && tries < JOIN_TRIES) {
                        dirfd = rdv_open_dir(RDV_BCAST_DIR, layer, len, 1);
                        if (dirfd >= 0) {
                                close(me->dir);
                                me->dir = dirfd;
                                continue;
                        }
                        e = -dirfd;
                }
                me->self[0] = '\0';
                e_flow_dealloc(f);
                return -e;
        }

        if (pthread_once(&ebcast_exit_once, ebcast_exit_register) == 0) {
                pthread_mutex_lock(&ebcast_lock);
                me->next    = ebcast_list;
                ebcast_list = me;
                pthread_mutex_unlock(&ebcast_lock);
        }

        *lf = f;

        return 0;
}

void ebcast_leave(struct ebcast * me)
{
        struct ebcast ** p;

        if (me->dir < 0)
                return;

        pthread_mutex_lock(&ebcast_lock);
        for (p = &ebcast_list; *p != NULL; p = &(*p)->next) {
                if (*p == me) {
                        *p = me->next;
                        break;
                }
        }
        (void) unlinkat(me->dir, me->self, 0);
        close(me->dir);
        me->dir = -1;
        pthread_mutex_unlock(&ebcast_lock);
        /* The folder goes with its last member (rmdir: not if in use). */
        if (me->layer != NULL)
                rdv_remove_dir(RDV_BCAST_DIR, me->layer, me->len);
        free(me->layer);
        me->layer = NULL;
}
