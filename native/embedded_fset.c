/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Flow sets of the embedded layer: an epoll set over the sockets of flows
 * and the epoll sets of accepting sides, each with the caller's tag, plus
 * an eventfd that wakes a wait. epoll itself is safe to change while
 * another thread waits on it, so a flow set needs no lock of ours.
 *
 * A flow with rings (embedded_ring.h) is three members: its socket (the
 * end: DOWN, and readable at end of file), its data eventfd (PKT) and its
 * room eventfd (OUT), so readiness reaches the set through epoll alone,
 * with no call per flow. Each is tagged with the caller's tag and its kind
 * in the top two bits (callers' tags stay below 2^62); a wait merges what
 * the three say into one event per tag.
 *
 * The data eventfd is watched edge-triggered, whatever the caller asked:
 * nothing drains it as the ring empties (a system call per read). A caller
 * that asked for edges (JOUR_IN_EDGE: each SDU signals, ERING_EVERY) gets
 * JOUR_EV_PKT from it; one that asked for levels gets JOUR_EV_RING, and
 * looks at the ring itself (e_flow_rx_ready) then and after each later
 * wait until it finds it empty: an SDU the peer puts after a look that
 * found the ring empty sees the tail that look saw, and signals
 * (ering_rx_ready in embedded_ring.h, the peer's full fence in ering_put).
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
#define KIND_SHIFT    62
#define TAG_MASK      ((UINT64_C(1) << KIND_SHIFT) - 1)

enum kind {
        KIND_SOCK, /* a socket, or an accepting side's epoll set */
        KIND_RX,   /* a ring flow's data eventfd, for edges      */
        KIND_SP,   /* a ring flow's room eventfd                 */
        KIND_RING  /* a ring flow's data eventfd, for levels     */
};

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

static int ctl_one(struct efset * s,
                   int            op,
                   int            fd,
                   uint32_t       events,
                   uint64_t       data,
                   int            late)
{
        struct epoll_event ev;

        ev.events   = events;
        ev.data.u64 = data;

        if (epoll_ctl(s->epfd, op, fd, &ev) == 0)
                return 0;

        /*
         * A flow registered while its allocation was pending got its
         * rings since: its eventfds come in with the first change.
         */
        if (late && errno == ENOENT && op == EPOLL_CTL_MOD &&
            epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) == 0)
                return 0;

        return -errno;
}

/* A ring flow's three members, added, changed or removed together. */
static int ctl_ring(struct efset * s,
                    int            op,
                    void *         obj,
                    int            rx,
                    int            sp,
                    uint64_t       tag,
                    int            interest)
{
        uint32_t et   = (interest & JOUR_IN_EDGE) ? EPOLLET : 0;
        uint32_t rd   = (interest & JOUR_IN_READ) ? EPOLLIN | et : 0;
        uint32_t data = (interest & JOUR_IN_READ) ? EPOLLIN | EPOLLET : 0;
        uint32_t wr   = (interest & JOUR_IN_WRITE) ? EPOLLIN | et : 0;
        uint64_t kind = (interest & JOUR_IN_EDGE) ? KIND_RX : KIND_RING;
        int      sock = e_flow_fd(obj);
        int      ret;

        if (op == EPOLL_CTL_DEL) {
                (void) epoll_ctl(s->epfd, op, rx, NULL);
                (void) epoll_ctl(s->epfd, op, sp, NULL);
                return ctl_one(s, op, sock, 0, 0, 0);
        }

        /* Watch first: what is there already is signalled by then. */
        if (interest & JOUR_IN_READ)
                e_flow_watch(obj, interest & JOUR_IN_EDGE);

        ret = ctl_one(s, op, sock, EPOLLRDHUP | rd, tag, 0);
        if (ret < 0)
                return ret;

        ret = ctl_one(s, op, rx, data, tag | (kind << KIND_SHIFT), 1);
        if (ret == 0)
                ret = ctl_one(s, op, sp, wr,
                              tag | ((uint64_t) KIND_SP << KIND_SHIFT), 1);
        if (ret < 0 && op == EPOLL_CTL_ADD) {
                (void) epoll_ctl(s->epfd, EPOLL_CTL_DEL, rx, NULL);
                (void) epoll_ctl(s->epfd, EPOLL_CTL_DEL, sock, NULL);
        }

        return ret;
}

static int fset_ctl(void *   fs,
                    int      op,
                    void *   obj,
                    int      is_srv,
                    uint64_t tag,
                    int      interest)
{
        struct efset * s = fs;
        uint32_t       events;
        int            rx;
        int            sp;

        if ((tag & ~TAG_MASK) != 0)
                return -EINVAL;

        if (!is_srv && e_flow_ring_fds(obj, &rx, &sp) == 0)
                return ctl_ring(s, op, obj, rx, sp, tag, interest);

        if (op == EPOLL_CTL_DEL) {
                if (epoll_ctl(s->epfd, op, obj_fd(obj, is_srv), NULL) < 0)
                        return -errno;
                return 0;
        }

        events = EPOLLRDHUP;
        if (interest & JOUR_IN_READ)
                events |= EPOLLIN;
        if (interest & JOUR_IN_WRITE)
                events |= EPOLLOUT;
        if (interest & JOUR_IN_EDGE)
                events |= EPOLLET;

        return ctl_one(s, op, obj_fd(obj, is_srv), events, tag, 0);
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
        return fset_ctl(fs, EPOLL_CTL_DEL, obj, is_srv, 0, 0);
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
                uint64_t tag;
                int      kind;
                int      j;

                if (ev[i].data.u64 == FSET_WAKE_TAG) {
                        uint64_t v;
                        if (read(s->wakefd, &v, sizeof(v)) < 0) {
                                /* Already drained by another waiter. */
                        }
                        continue;
                }

                tag  = ev[i].data.u64 & TAG_MASK;
                kind = (int) (ev[i].data.u64 >> KIND_SHIFT);

                if (kind == KIND_RX) {
                        r = (e & EPOLLIN) ? JOUR_EV_PKT : 0;
                } else if (kind == KIND_RING) {
                        r = (e & EPOLLIN) ? JOUR_EV_RING : 0;
                } else if (kind == KIND_SP) {
                        r = (e & EPOLLIN) ? JOUR_EV_OUT : 0;
                } else {
                        if (e & EPOLLIN)
                                r |= JOUR_EV_PKT;
                        if (e & EPOLLOUT)
                                r |= JOUR_EV_OUT;
                        if (e & (EPOLLHUP | EPOLLRDHUP | EPOLLERR))
                                r |= JOUR_EV_DOWN;
                }

                if (r == 0)
                        continue;

                /* The members of one ring flow: one event per tag. */
                for (j = 0; j < k && out[j].tag != tag; ++j)
                        ;
                if (j < k) {
                        out[j].events |= r;
                        continue;
                }

                out[k].tag    = tag;
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
