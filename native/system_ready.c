/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Ready lists and waits of the system layer's flow sets: what a select
 * costs. It follows the ready members, not the registered ones (DESIGN.md,
 * "The Selector"). Each set keeps a ready list: the flow members whose
 * readiness may have changed, fed where it changes (fsets_ready: packet
 * and down events from the pump, a peer's death, flow_down, a loopback
 * write, read or close, the end of an allocation; ready_touch: a new or
 * modified member), and a wait looks only at those. A level member that
 * still holds after a look (SDUs queued, room to write, the peer gone)
 * stays on the list, as in epoll's level-triggered mode. Server channels
 * are few: each wait asks each.
 *
 * Ouroboros 0.23 defects contained here (the rest in system_fset.c):
 *
 *  - fevent has no wake-up: no wait of ours waits in fevent (the pump
 *    does, system_fset.c); waits wait on our own condition
 *    (changes.cond), which feeds, wakeups and every change of the
 *    accepting side signal. Only room to write in an Ouroboros ring has
 *    no event: a member waiting for it keeps the wait in slices
 *    (POLL_SLICE) and is asked again at each.
 *  - fevent counts nothing and its events are edges: we keep our own
 *    level readiness (a flow is readable while SDUs are queued for it).
 *  - fccntl takes the process's write lock, even to read a queue length
 *    (and the library's own keepalive thread holds that lock's read side
 *    while it walks every flow, every 5 ms): a member seen readable is
 *    not asked again until one of our reads ran (sflow.rxgen).
 *
 * Not contained: on a raw flow (no FRCT) with a peer timeout, the peer's
 * keepalive (after a quarter of the timeout without traffic) is an empty
 * SDU queued like data, so the flow reads as ready until a read takes it
 * (that read returns nothing).
 */
#define _GNU_SOURCE
#include <poll.h>
#include <stdlib.h>

#include "system_fset.h"

#define POLL_SLICE      (10 * MS)   /* room to write, which no event says */

/*
 * The leaf lock of the layer. lock guards every set's ready list (rhead,
 * rtail, and each member's queued, rnext, rprev), every flow's list of
 * sets (with sets_lock for changes) and gen, the change counter: bumped
 * and broadcast on cond for every change a wait must look at.
 */
static struct {
        pthread_mutex_t lock;
        pthread_cond_t  cond;
        uint64_t        gen;
} changes = { .lock = PTHREAD_MUTEX_INITIALIZER };

int fset_init(void)
{
        return cond_init(&changes.cond);
}

/* ---------------------------------------------------- the ready lists */

/* Needs changes.lock. */
static void notify_locked(void)
{
        ++changes.gen;
        pthread_cond_broadcast(&changes.cond);
}

void notify(void)
{
        pthread_mutex_lock(&changes.lock);
        notify_locked();
        pthread_mutex_unlock(&changes.lock);
}

/* Needs changes.lock. */
static void ready_push(struct sfset *   s,
                       struct smember * m)
{
        m->rnext = NULL;
        m->rprev = s->rtail;
        if (s->rtail != NULL)
                s->rtail->rnext = m;
        else
                s->rhead = m;
        s->rtail  = m;
        m->queued = M_QUEUED;
}

/* Needs changes.lock; m is on the list. */
static void ready_unlink(struct sfset *   s,
                         struct smember * m)
{
        if (m->rprev != NULL)
                m->rprev->rnext = m->rnext;
        else
                s->rhead = m->rnext;
        if (m->rnext != NULL)
                m->rnext->rprev = m->rprev;
        else
                s->rtail = m->rprev;
        m->queued = M_IDLE;
}

/* Needs changes.lock: the next wait looks at m (again). */
static void ready_mark(struct sfset *   s,
                       struct smember * m)
{
        if (m->queued != M_QUEUED)
                ready_push(s, m);
}

void fsets_ready(struct sflow * f)
{
        size_t i;

        pthread_mutex_lock(&changes.lock);
        for (i = 0; i < f->nsets; ++i)
                ready_mark(f->sets[i].s, f->sets[i].m);
        if (f->nsets > 0)
                notify_locked();
        pthread_mutex_unlock(&changes.lock);
}

/* ------------------------------------------- flows' lists of sets */

/* Needs sets_lock and changes.lock. */
static int flow_note_set(struct sflow *   f,
                         struct sfset *   s,
                         struct smember * m)
{
        if (f->nsets == f->capsets) {
                size_t            cap = f->capsets == 0 ? 2 : 2 * f->capsets;
                struct fset_ref * v = realloc(f->sets, cap * sizeof(*v));
                if (v == NULL)
                        return -ENOMEM;
                f->sets    = v;
                f->capsets = cap;
        }

        f->sets[f->nsets].s = s;
        f->sets[f->nsets].m = m;
        f->nsets++;

        return 0;
}

/* Needs sets_lock and changes.lock. */
static void flow_drop_set(struct sflow * f,
                          struct sfset * s)
{
        size_t i;

        for (i = 0; i < f->nsets; ++i) {
                if (f->sets[i].s == s) {
                        f->sets[i] = f->sets[--f->nsets];
                        return;
                }
        }
}

int ready_note(struct sflow *   f,
               struct sfset *   s,
               struct smember * m)
{
        int ret;

        pthread_mutex_lock(&changes.lock);
        ret = flow_note_set(f, s, m);
        pthread_mutex_unlock(&changes.lock);

        return ret;
}

struct smember * ready_find(struct sflow * f,
                            struct sfset * s)
{
        struct smember * m = NULL;
        size_t           i;

        pthread_mutex_lock(&changes.lock);
        for (i = 0; i < f->nsets && m == NULL; ++i)
                if (f->sets[i].s == s)
                        m = f->sets[i].m;
        pthread_mutex_unlock(&changes.lock);

        return m;
}

void ready_forget(struct sfset *   s,
                  struct smember * m)
{
        pthread_mutex_lock(&changes.lock);
        if (m->f != NULL)
                flow_drop_set(m->f, s);
        if (m->queued == M_QUEUED)
                ready_unlink(s, m);
        pthread_mutex_unlock(&changes.lock);
}

void ready_touch(struct sfset *   s,
                 struct smember * m)
{
        pthread_mutex_lock(&changes.lock);
        if (m != NULL)
                ready_mark(s, m);
        notify_locked();
        pthread_mutex_unlock(&changes.lock);
}

/* ------------------------------------------------------------- waits */

static int fd_readable(int fd)
{
        struct pollfd p = { .fd = fd, .events = POLLIN, .revents = 0 };

        return fd >= 0 && poll(&p, 1, 0) == 1;
}

static int put(struct jour_event * out,
               int                 k,
               uint64_t            tag,
               uint32_t            ev)
{
        out[k].tag    = tag;
        out[k].events = ev;

        return k + 1;
}

/*
 * Needs s->lock; k < max. Puts what holds for a flow member at out[k..]
 * and returns the new k; m->keep says whether it stays on the ready
 * list (level readiness that still holds, or edges not all reported),
 * and *poll whether only asking again can tell when it is ready.
 */
static int member_events(struct sfset *      s,
                         struct smember *    m,
                         struct jour_event * out,
                         int                 k,
                         int                 max,
                         int *               poll)
{
        struct sflow * f = m->f;
        int            edge = m->interest & JOUR_IN_EDGE;
        uint32_t       ev = 0;
        int            down;
        int            fd;

        m->keep = 0;

        if (!atomic_load(&f->finished)) {
                /* OP_CONNECT: the allocation has ended. */
                if ((m->interest & JOUR_IN_READ) && !edge &&
                    fd_readable(f->evfd))
                        ev |= JOUR_EV_PKT;
                m->keep = ev != 0;
                return ev != 0 ? put(out, k, m->tag, ev) : k;
        }

        if (f->kind == SF_LOOP) {
                ev = loop_events(f, m->interest, &m->seen, &m->down_seen);
                m->keep = ev != 0 && !edge;
                return ev != 0 ? put(out, k, m->tag, ev) : k;
        }

        fd = sflow_fd(f);
        if (fd >= 0 && !m->in_oset)
                oset_join(s, m, fd);
        down = atomic_load(&f->down);

        if (edge) {
                /* One report per packet event, as fqueue gives them. */
                for (; m->pkts > 0 && k < max; --m->pkts)
                        k = put(out, k, m->tag, JOUR_EV_PKT);
                if (down && !m->down_seen && k < max) {
                        m->down_seen = 1;
                        k = put(out, k, m->tag, JOUR_EV_DOWN);
                }
                m->keep = m->pkts > 0 || (down && !m->down_seen);
                return k;
        }

        if (m->interest & JOUR_IN_READ) {
                /*
                 * Only our reads take SDUs away: if none ran since SDUs
                 * were seen queued, they still are, and Ouroboros is not
                 * asked again (fccntl takes the process's write lock).
                 */
                unsigned g = atomic_load(&f->rxgen);
                if (!m->rx_seen || m->rx_gen != g) {
                        m->rx_seen = s_flow_queue_len(f, 1) > 0;
                        m->rx_gen  = g;
                }
                if (m->rx_seen)
                        ev |= JOUR_EV_PKT;
        }
        if (m->interest & JOUR_IN_WRITE) {
                if (down || fd < 0 ||
                    o_qlen(fd, 0) < tx_cap(atomic_load(&f->refused)))
                        ev |= JOUR_EV_OUT;
                else
                        *poll = m->keep = 1; /* no event says "room" */
        }
        if (down)
                ev |= JOUR_EV_DOWN;

        m->keep |= ev != 0;

        return ev != 0 ? put(out, k, m->tag, ev) : k;
}

/*
 * Needs s->lock: looks at the members on the ready list; *gen is the
 * change counter as the look began.
 */
static int ready_events(struct sfset *      s,
                        struct jour_event * out,
                        int                 max,
                        int *               poll,
                        uint64_t *          gen)
{
        struct smember *  list = NULL;
        struct smember ** tail = &list;
        struct smember *  m;
        int               k = 0;

        pthread_mutex_lock(&changes.lock);
        *gen = changes.gen;
        while ((m = s->rhead) != NULL) {
                ready_unlink(s, m);
                m->queued = M_CHECKING;
                m->cnext  = NULL;
                *tail     = m;
                tail      = &m->cnext;
        }
        pthread_mutex_unlock(&changes.lock);

        for (m = list; m != NULL; m = m->cnext) {
                if (k < max)
                        k = member_events(s, m, out, k, max, poll);
                else
                        m->keep = 1; /* next time */
        }

        /* What was fed meanwhile is queued already. */
        pthread_mutex_lock(&changes.lock);
        for (m = list; m != NULL; m = m->cnext) {
                if (m->queued != M_CHECKING)
                        continue;
                if (m->keep)
                        ready_push(s, m);
                else
                        m->queued = M_IDLE;
        }
        pthread_mutex_unlock(&changes.lock);

        return k;
}

/* Needs s->lock: server channels, asked at each look (they are few). */
static int srv_events(struct sfset *      s,
                      struct jour_event * out,
                      int                 max)
{
        struct smember * m;
        int              k = 0;

        for (m = s->srvs; m != NULL && k < max; m = m->next)
                if ((m->interest & JOUR_IN_READ) &&
                    !(m->interest & JOUR_IN_EDGE) && srv_ready(m->obj))
                        k = put(out, k, m->tag, JOUR_EV_PKT);

        return k;
}

int s_fset_wait(void *              fs,
                struct jour_event * out,
                int                 max,
                int64_t             timeo)
{
        struct sfset * s = fs;
        int64_t        deadline = jour_deadline(timeo);
        int            k;

        for (;;) {
                int64_t  rem = timeo == 0 ? 0 : jour_remaining(deadline);
                uint64_t gen;
                int      poll = 0;

                if (atomic_load(&syslib.exiting))
                        return -EIRMD;

                /* The ready list first: gen is read as it is taken. */
                pthread_mutex_lock(&s->lock);
                k = ready_events(s, out, max, &poll, &gen);
                k += srv_events(s, out + k, max - k);
                pthread_mutex_unlock(&s->lock);

                if (k > 0)
                        return k;

                if (atomic_exchange(&s->wake, 0))
                        return 0;

                if (rem == 0)
                        return 0;

                /* Until a change (a feed, a wakeup) or the next poll. */
                pthread_mutex_lock(&changes.lock);
                if (changes.gen == gen && !atomic_load(&s->wake))
                        cond_wait_ns(&changes.cond, &changes.lock,
                                     step_of(rem, poll ? POLL_SLICE :
                                             WAIT_CAP));
                pthread_mutex_unlock(&changes.lock);
        }
}

void s_fset_wake(void * fs,
                 int    set)
{
        struct sfset * s = fs;

        atomic_store(&s->wake, set ? 1 : 0);
        if (set)
                notify();
}
