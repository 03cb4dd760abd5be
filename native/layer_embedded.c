/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The embedded layer: Ouroboros flow semantics between the processes of one
 * user on one machine, with no daemon.
 *
 * Control plane: a bound name is a SOCK_SEQPACKET listener in the
 * rendezvous directory (embedded_rendezvous.c); allocation is connect +
 * the versioned handshake of embedded_handshake.h, which also hands over a
 * sealed memfd with the queue counters of the flow. Data plane: the connected
 * SEQPACKET socket, one message per SDU, so boundaries are kept by the
 * kernel and peer death is an immediate end of file. Broadcast layers are
 * folders of SOCK_DGRAM member sockets.
 *
 * Everything blocks in poll()/epoll_wait() on non-blocking sockets, so a
 * timeout is a poll argument and close() from another thread is a
 * shutdown() (flows) or an eventfd (accepting sides) that wakes the poll.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "clock.h"
#include "errors.h"
#include "embedded.h"
#include "embedded_handshake.h"
#include "layer.h"
#include "embedded_rendezvous.h"



struct efset {
        int         epfd;
        int         wakefd;
};

/* ---------------------------------------------------------------- */

static int e_init(const char * cfg)
{
        return rdv_init(cfg);
}

static void e_fini(void)
{
        rdv_fini();
}

/* --------------------------------------------------------- flow sets */

#define FSET_WAKE_TAG UINT64_MAX

static int e_fset_create(void ** fs)
{
        struct efset *     s;
        struct epoll_event ev;

        s = calloc(1, sizeof(*s));
        if (s == NULL)
                return -ENOMEM;

        s->epfd   = epoll_create1(EPOLL_CLOEXEC);
        s->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

        ev.events   = EPOLLIN;
        ev.data.u64 = FSET_WAKE_TAG;

        if (s->epfd < 0 || s->wakefd < 0 ||
            epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->wakefd, &ev) < 0) {
                int e = errno;
                if (s->epfd >= 0)
                        close(s->epfd);
                if (s->wakefd >= 0)
                        close(s->wakefd);
                free(s);
                return -e;
        }

        *fs = s;

        return 0;
}

static void e_fset_destroy(void * fs)
{
        struct efset * s = fs;

        close(s->epfd);
        close(s->wakefd);
        free(s);
}

static int obj_fd(void * obj,
                  int    is_srv)
{
        return is_srv ? e_srv_fd(obj) : e_flow_fd(obj);
}

static int fset_ctl(void *   fs,
                    int      op,
                    void *   obj,
                    int      is_srv,
                    uint64_t tag,
                    int      interest)
{
        struct efset *     s = fs;
        struct epoll_event ev;

        ev.events = EPOLLRDHUP;
        if (interest & JOUR_IN_READ)
                ev.events |= EPOLLIN;
        if (interest & JOUR_IN_WRITE)
                ev.events |= EPOLLOUT;
        if (interest & JOUR_IN_EDGE)
                ev.events |= EPOLLET;
        ev.data.u64 = tag;

        if (epoll_ctl(s->epfd, op, obj_fd(obj, is_srv), &ev) < 0)
                return -errno;

        return 0;
}

static int e_fset_add(void *   fs,
                      void *   obj,
                      int      is_srv,
                      uint64_t tag,
                      int      interest)
{
        return fset_ctl(fs, EPOLL_CTL_ADD, obj, is_srv, tag, interest);
}

static int e_fset_mod(void *   fs,
                      void *   obj,
                      int      is_srv,
                      uint64_t tag,
                      int      interest)
{
        return fset_ctl(fs, EPOLL_CTL_MOD, obj, is_srv, tag, interest);
}

static int e_fset_del(void * fs,
                      void * obj,
                      int    is_srv)
{
        struct efset * s = fs;

        if (epoll_ctl(s->epfd, EPOLL_CTL_DEL, obj_fd(obj, is_srv), NULL) < 0)
                return -errno;

        return 0;
}

static int e_fset_wait(void *              fs,
                       struct jour_event * out,
                       int                 max,
                       int64_t             timeo)
{
        struct efset *     s = fs;
        struct epoll_event ev[256];
        int                n;
        int                i;
        int                k = 0;

        if (max > 256)
                max = 256;

        n = epoll_wait(s->epfd, ev, max, timeo == 0 ? 0 : jour_poll_ms(timeo));
        if (n < 0)
                return errno == EINTR ? -EINTR : -errno;

        for (i = 0; i < n; ++i) {
                uint32_t e = ev[i].events;
                uint32_t r = 0;

                if (ev[i].data.u64 == FSET_WAKE_TAG) {
                        uint64_t v;
                        if (read(s->wakefd, &v, sizeof(v)) < 0) {
                                /* Already drained by another waiter. */
                        }
                        continue;
                }

                if (e & EPOLLIN)
                        r |= JOUR_EV_PKT;
                if (e & EPOLLOUT)
                        r |= JOUR_EV_OUT;
                if (e & (EPOLLHUP | EPOLLRDHUP | EPOLLERR))
                        r |= JOUR_EV_DOWN;

                out[k].tag    = ev[i].data.u64;
                out[k].events = r;
                ++k;
        }

        return k;
}

static void e_fset_wake(void * fs,
                        int    set)
{
        struct efset * s = fs;
        uint64_t       v = 1;

        if (set) {
                if (write(s->wakefd, &v, sizeof(v)) < 0) {
                        /* Counter full: it is signalled already. */
                }
        } else if (read(s->wakefd, &v, sizeof(v)) < 0) {
                /* Nothing to drain. */
        }
}

const struct jour_layer jour_layer_embedded = {
        .name              = "embedded",
        .max_sdu           = E_MAX_SDU,
        .init              = e_init,
        .fini              = e_fini,
        .flow_alloc_start  = e_flow_alloc_start,
        .flow_alloc_finish = e_flow_alloc_finish,
        .flow_join         = e_flow_join,
        .flow_wake         = e_flow_wake,
        .flow_dealloc      = e_flow_dealloc,
        .flow_read         = e_flow_read,
        .flow_write        = e_flow_write,
        .flow_queue_len    = e_flow_queue_len,
        .flow_fd           = e_flow_fd,
        .flow_is_down      = e_flow_is_down,
        .flow_arrived      = e_flow_arrived,
        .flow_max_sdu      = e_flow_max_sdu,
        .srv_create        = e_srv_create,
        .srv_bind          = e_srv_bind,
        .srv_accept        = e_srv_accept,
        .srv_wake          = e_srv_wake,
        .srv_destroy       = e_srv_destroy,
        .srv_fd            = e_srv_fd,
        .fset_create       = e_fset_create,
        .fset_destroy      = e_fset_destroy,
        .fset_add          = e_fset_add,
        .fset_mod          = e_fset_mod,
        .fset_del          = e_fset_del,
        .fset_wait         = e_fset_wait,
        .fset_wake         = e_fset_wake,
        .proc_bind         = e_proc_bind,
        .proc_unbind       = e_proc_unbind,
};
