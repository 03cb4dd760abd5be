/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The embedded layer's accepting side: one epoll set over the listeners of
 * the names it is bound to, the half-open handshakes of connections that
 * have not sent their request yet, and a wake-up eventfd. A request is
 * read and checked here (embedded_handshake.c decodes it); a good one
 * becomes a flow of the data plane (embedded_flow.c), a bad one gets a
 * refusal reply or, when nothing can be said, a closed socket.
 *
 * Guards: one accept at a time per accepting side (the caller serialises:
 * FlowServerChannel's accept lock), so pending and n_pending are the
 * accepting thread's; names and n_names are names_lock's, since binds may
 * come from several threads at once and while another accepts; closing is
 * atomic, set by e_srv_wake from any thread; epfd and wakefd never change
 * while the side lives. The lock order is in embedded.h.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "embedded.h"
#include "embedded_handshake.h"
#include "errors.h"

#define E_MAX_PENDING  128

/* A connection whose request has not come yet: a half-open handshake. */
struct epending {
        struct etag       tag;      /* TAG_PENDING                       */
        int               fd;
        int               dead;     /* evicted: freed at the next expiry */
        int64_t           deadline;
        struct ebind *    b;        /* the binding it came in through    */
        struct epending * next;
};

struct esrv {
        int               epfd;
        int               wakefd;
        struct etag       wake_tag;  /* TAG_WAKE                  */
        atomic_int        closing;
        pthread_mutex_t   names_lock;
        struct ebind *    names[64]; /* one reference each        */
        int               n_names;
        struct epending * pending;
        int               n_pending; /* not counting the dead     */
};

int e_srv_create(void ** srv)
{
        struct esrv * s;
        int           ret;

        s = calloc(1, sizeof(*s));
        if (s == NULL)
                return -ENOMEM;

        s->wake_tag.kind = TAG_WAKE;
        atomic_init(&s->closing, 0);

        ret = esock_epoll_wake(&s->epfd, &s->wakefd,
                               (uint64_t) (uintptr_t) &s->wake_tag);
        if (ret < 0) {
                free(s);
                return ret;
        }

        ret = pthread_mutex_init(&s->names_lock, NULL);
        if (ret != 0) {
                close(s->epfd);
                close(s->wakefd);
                free(s);
                return -ret;
        }

        *srv = s;

        return 0;
}

int e_srv_bind(void *       srv,
               const char * name,
               size_t       len)
{
        struct esrv *      s = srv;
        struct ebind *     b;
        struct epoll_event ev;
        int                err = 0;
        int                i;

        pthread_mutex_lock(&s->names_lock);

        for (i = 0; i < s->n_names; ++i)
                if (s->names[i]->len == len &&
                    memcmp(s->names[i]->name, name, len) == 0)
                        goto out;

        if (s->n_names == (int) (sizeof(s->names) / sizeof(s->names[0]))) {
                err = -ENOSPC;
                goto out;
        }

        b = ebind_get(name, len, &err);
        if (b == NULL)
                goto out;

        ev.events   = EPOLLIN;
        ev.data.ptr = &b->tag;
        if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, b->fd, &ev) < 0) {
                err = -errno;
                ebind_put(b);
                goto out;
        }

        s->names[s->n_names++] = b;
 out:
        pthread_mutex_unlock(&s->names_lock);

        return err;
}

static void pending_drop(struct esrv *     s,
                         struct epending * p)
{
        struct epending ** pp;

        for (pp = &s->pending; *pp != NULL; pp = &(*pp)->next) {
                if (*pp == p) {
                        *pp = p->next;
                        break;
                }
        }

        if (p->fd >= 0) {
                (void) epoll_ctl(s->epfd, EPOLL_CTL_DEL, p->fd, NULL);
                close(p->fd);
        }
        if (!p->dead)
                --s->n_pending;
        free(p);
}

/*
 * Evicts the half-open handshake that is closest to its deadline. Its
 * struct stays until the next expiry, since the events being processed
 * may still point at it.
 */
static void pending_evict_oldest(struct esrv * s)
{
        struct epending * p;
        struct epending * old = NULL;

        for (p = s->pending; p != NULL; p = p->next)
                if (!p->dead && (old == NULL || p->deadline < old->deadline))
                        old = p;

        if (old == NULL)
                return;

        (void) epoll_ctl(s->epfd, EPOLL_CTL_DEL, old->fd, NULL);
        close(old->fd);
        old->fd       = -1;
        old->dead     = 1;
        old->deadline = 0;
        --s->n_pending;
}

static void pending_add(struct esrv *  s,
                        struct ebind * b,
                        int            fd)
{
        struct epending *  p;
        struct epoll_event ev;

        /*
         * Too many half-open handshakes: the oldest one goes, so silent
         * peers cannot keep newcomers out.
         */
        if (s->n_pending >= E_MAX_PENDING)
                pending_evict_oldest(s);

        p = calloc(1, sizeof(*p));
        if (p == NULL) {
                close(fd);
                return;
        }

        p->tag.kind = TAG_PENDING;
        p->fd       = fd;
        p->b        = b;
        p->deadline = jour_now_ns() + HS_TIMEOUT_NS;

        ev.events   = EPOLLIN | EPOLLRDHUP;
        ev.data.ptr = &p->tag;
        if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
                close(fd);
                free(p);
                return;
        }

        p->next    = s->pending;
        s->pending = p;
        ++s->n_pending;
}

static void refuse(int fd,
                   int code)
{
        uint8_t rep[HS_REPLY_LEN];

        (void) esock_send(fd, rep, hs_reply_encode(rep, code, NULL, 0), -1);
}

/*
 * Reads a pending connection's request. Returns 1 with a new flow, 0 when
 * it must wait for more, -1 when the connection was refused and dropped.
 */
static int pending_serve(struct esrv *     s,
                         struct epending * p,
                         struct jour_qos * qs,
                         void **           lf)
{
        union {
                char           buf[CMSG_SPACE(4 * sizeof(int))];
                struct cmsghdr align;
        } u;
        uint8_t          req[HS_REQ_MAX + 1];
        uint8_t          rep[HS_REPLY_LEN];
        struct iovec     iov = { .iov_base = req, .iov_len = sizeof(req) };
        struct msghdr    m;
        struct cmsghdr * c;
        struct eflow *   f;
        const char *     name;
        size_t           len;
        int              fds[4];
        int              n_fds = 0;
        int              efds[E_RING_FDS];
        int              ring;
        int              ret;
        ssize_t          n;
        int              code;
        int              i;

        memset(&m, 0, sizeof(m));
        m.msg_iov        = &iov;
        m.msg_iovlen     = 1;
        m.msg_control    = u.buf;
        m.msg_controllen = sizeof(u.buf);

        n = recvmsg(p->fd, &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return 0;

        /* Even an empty record can carry descriptors: always take them. */
        for (c = CMSG_FIRSTHDR(&m); n >= 0 && c != NULL;
             c = CMSG_NXTHDR(&m, c)) {
                size_t k;
                if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
                        continue;
                size_t j;
                k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                /* In the order sent: the memfd, then any eventfds. */
                for (j = 0; j < k && n_fds < 4; ++j) {
                        memcpy(&fds[n_fds], CMSG_DATA(c) + j * sizeof(int),
                               sizeof(int));
                        ++n_fds;
                }
        }

        if (n <= 0) {
                code = -1;
                goto drop;
        }

        code = (m.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ? EPROTO :
                hs_req_decode(req, (size_t) n, &name, &len, qs);
        if (code == 0 && (len != p->b->len ||
                          memcmp(name, p->b->name, len) != 0))
                code = ENAME;
        if (code == 0 && n_fds != 1 && n_fds != 1 + E_RING_FDS)
                code = EPROTO;
        if (code != 0)
                goto drop;

        f = eflow_new(p->fd, 0);
        if (f == NULL) {
                code = ENOMEM;
                goto drop;
        }

        /* The rings are offered by their size and the client's eventfds. */
        ring = eflow_shared_map(f, fds[0]);
        if (ring < 0 || (ring == 0 && n_fds != 1)) {
                eflow_release(f);
                code = EPROTO;
                goto drop;
        }
        /* Offered, and we have descriptors to spare: taken. */
        ring = ring && n_fds == 1 + E_RING_FDS && ering_affordable();

        if (ring) {
                ret = eflow_ring_serve(f, fds + 1, efds);
                for (i = 1; i < n_fds; ++i)
                        fds[i] = -1; /* the flow's now */
                n_fds = 1;
                if (ret < 0) {
                        eflow_release(f);
                        code = ret == -EJOUR_PROTO ? EPROTO : ENOMEM;
                        goto drop;
                }
        }

        if (eflow_start(f) < 0 ||
            esock_send_fds(p->fd, rep,
                           hs_reply_encode(rep, 0, qs, ring ? HS_F_RING : 0),
                           efds, ring ? E_RING_FDS : 0) < 0) {
                eflow_release(f);
                code = -1;
                goto drop;
        }

        /* The memfd (mapped), and the client's eventfds if we declined. */
        for (i = 0; i < n_fds; ++i)
                close(fds[i]);
        (void) epoll_ctl(s->epfd, EPOLL_CTL_DEL, p->fd, NULL);
        p->fd = -1;
        pending_drop(s, p);

        *lf = f;

        return 1;
 drop:
        for (i = 0; i < n_fds; ++i)
                close(fds[i]);
        if (code > 0)
                refuse(p->fd, code);
        pending_drop(s, p);

        return -1;
}

static int accept_all(struct esrv *  s,
                      struct ebind * b)
{
        int fd;
        int n = 0;

        while ((fd = accept4(b->fd, NULL, NULL,
                             SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
                pending_add(s, b, fd);
                ++n;
        }

        return n;
}

static int64_t expire_pending(struct esrv * s)
{
        struct epending * p = s->pending;
        int64_t           now = jour_now_ns();
        int64_t           next = -1;

        while (p != NULL) {
                struct epending * nx = p->next;
                if (p->deadline <= now)
                        pending_drop(s, p);
                else if (next < 0 || p->deadline < next)
                        next = p->deadline;
                p = nx;
        }

        return next;
}

int e_srv_accept(void *            srv,
                 struct jour_qos * qs,
                 int64_t           timeo,
                 void **           lf)
{
        struct esrv *      s = srv;
        struct epoll_event ev[16];
        int64_t            deadline;
        int64_t            next;
        int64_t            rem;
        int                fresh = 0;
        int                n;
        int                i;

        pthread_mutex_lock(&s->names_lock);
        n = s->n_names;
        pthread_mutex_unlock(&s->names_lock);

        if (n == 0)
                return -ENAME;

        /*
         * A client connects, then sends its request: a listener can be
         * readable an instant before the request is. A non-blocking accept
         * that took new connections gives their requests this grace, so
         * OP_ACCEPT readiness is followed by a flow, as with sockets.
         */
        if (timeo == 0)
                timeo = -2;
        deadline = jour_deadline(timeo == -2 ? 0 : timeo);

        for (;;) {
                if (atomic_load(&s->closing))
                        return -EJOUR_WOKEN;

                next = expire_pending(s);
                rem  = jour_remaining(deadline);
                if (next >= 0) {
                        int64_t r2 = next - jour_now_ns();
                        if (r2 < 0)
                                r2 = 0;
                        if (rem < 0 || r2 < rem)
                                rem = r2;
                }

                if (timeo == -2)
                        rem = fresh > 0 ? 20 * 1000 * 1000 : 0;

                n = epoll_wait(s->epfd, ev, 16, jour_poll_ms(rem));
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }

                for (i = 0; i < n; ++i) {
                        struct etag * t = ev[i].data.ptr;
                        if (t->kind == TAG_WAKE)
                                return -EJOUR_WOKEN;
                        if (t->kind == TAG_LISTENER)
                                fresh += accept_all(s, (struct ebind *) t);
                }

                for (i = 0; i < n; ++i) {
                        struct etag * t = ev[i].data.ptr;
                        if (t->kind != TAG_PENDING ||
                            ((struct epending *) t)->dead)
                                continue;
                        if (pending_serve(s, (struct epending *) t, qs, lf)
                            == 1)
                                return 0;
                }

                /* Served pendings may have freed tags of later events. */
                if (n > 0)
                        continue;

                if (timeo == -2) {
                        if (fresh == 0)
                                return -EAGAIN;
                        fresh = 0; /* one grace only */
                        continue;
                }

                if (jour_remaining(deadline) == 0)
                        return -ETIMEDOUT;
        }
}

void e_srv_wake(void * srv)
{
        struct esrv * s = srv;
        uint64_t      one = 1;

        atomic_store(&s->closing, 1);

        if (write(s->wakefd, &one, sizeof(one)) < 0) {
                /* Counter full means it is already signalled. */
        }
}

void e_srv_destroy(void * srv)
{
        struct esrv * s = srv;
        int           i;

        while (s->pending != NULL)
                pending_drop(s, s->pending);

        for (i = 0; i < s->n_names; ++i) {
                (void) epoll_ctl(s->epfd, EPOLL_CTL_DEL, s->names[i]->fd,
                                 NULL);
                ebind_put(s->names[i]);
        }

        pthread_mutex_destroy(&s->names_lock);
        close(s->epfd);
        close(s->wakefd);
        free(s);
}

int e_srv_fd(void * srv)
{
        return ((struct esrv *) srv)->epfd;
}
