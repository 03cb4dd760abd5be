/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Flow sets of the embedded layer: an epoll set over the sockets of flows
 * and the epoll sets of accepting sides, each with the caller's tag, plus
 * an eventfd that wakes a wait. epoll itself is safe to change while
 * another thread waits on it, so a flow set needs no lock of ours.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "clock.h"
#include "embedded.h"
#include "errors.h"

struct efset {
        int         epfd;
        int         wakefd;
};

#define FSET_WAKE_TAG UINT64_MAX

int e_fset_create(void ** fs)
{
        struct efset * s;
        int            ret;

        s = calloc(1, sizeof(*s));
        if (s == NULL)
                return -ENOMEM;

        ret = esock_epoll_wake(&s->epfd, &s->wakefd, FSET_WAKE_TAG);
        if (ret < 0) {
                free(s);
                return ret;
        }

        *fs = s;

        return 0;
}

void e_fset_destroy(void * fs)
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

int e_fset_add(void *   fs,
               void *   obj,
               int      is_srv,
               uint64_t tag,
               int      interest)
{
        return fset_ctl(fs, EPOLL_CTL_ADD, obj, is_srv, tag, interest);
}

int e_fset_mod(void *   fs,
               void *   obj,
               int      is_srv,
               uint64_t tag,
               int      interest)
{
        return fset_ctl(fs, EPOLL_CTL_MOD, obj, is_srv, tag, interest);
}

int e_fset_del(void * fs,
               void * obj,
               int    is_srv)
{
        struct efset * s = fs;

        if (epoll_ctl(s->epfd, EPOLL_CTL_DEL, obj_fd(obj, is_srv), NULL) < 0)
                return -errno;

        return 0;
}

int e_fset_wait(void *              fs,
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

void e_fset_wake(void * fs,
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
