/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Flow sets: the engine of our Selector on the system layer. Members are
 * flows (Ouroboros or loopback) and server channels, each with the
 * caller's tag and interest; a wait reports the JOUR_EV_* bits that hold.
 *
 * The cost of a wait follows the ready members, not the registered ones
 * (DESIGN.md, "The Selector"). Each set keeps a ready list: the flow
 * members whose readiness may have changed, fed where it changes
 * (fsets_ready: packet and down events, a peer's death, a loopback write
 * or read, the end of an allocation; a new or modified member), and a
 * wait looks only at those. A level member that still holds after a look
 * (data queued, room to write, the peer gone) stays on the list, as in
 * epoll's level-triggered mode. A flow finds its members through its own
 * list of sets (sflow.sets), an event's flow through the set's table of
 * Ouroboros fds (byfd). Server channels are few: each wait asks each.
 *
 * Ouroboros 0.23 defects contained here:
 *
 *  - fevent has no wake-up, and with a zero timeout it still sleeps (a
 *    timed wait on an expired deadline: one trip through the scheduler).
 *    So no caller of ours waits in fevent: a set that holds Ouroboros
 *    flows has a pump thread (jour-fset) that waits in fevent in slices
 *    (PUMP_SLICE) and feeds the ready list; waits wait on our own
 *    condition (changes.cond), which feeds, wakeups and every change of
 *    the accepting side signal. Only room to write in an Ouroboros ring
 *    has no event: a member that waits for it keeps the wait in slices
 *    (POLL_SLICE) and is asked again each slice.
 *  - fevent counts nothing and its events are edges: we keep our own
 *    level readiness (a flow is readable while SDUs are queued for it)
 *    and ignore keepalive events (a packet event with nothing queued).
 *  - Ouroboros puts a flow in one set at a time: a flow in a second set
 *    is seen there through the feeds of the first one's events, and joins
 *    when the first lets go (s_fset_del feeds its other sets).
 *  - Ouroboros allows 32 sets a process: the Ouroboros set of ours is
 *    made on first use (oset_ensure).
 */
#define _GNU_SOURCE
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "system.h"

#define PUMP_SLICE      (20 * MS)   /* the pump's fevent: closing seen */
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

/* Taken to change which sets hold which flow (sflow.sets). */
static pthread_mutex_t sets_lock = PTHREAD_MUTEX_INITIALIZER;

enum { M_IDLE = 0, M_QUEUED = 1, M_CHECKING = 2 };

/* A member of a set. */
struct smember {
        struct sflow *   f;         /* the flow; NULL for a server      */
        void *           obj;
        /* The set's lock: */
        uint64_t         tag;
        int              interest;
        int              in_oset;   /* its fd is in the Ouroboros set   */
        int              down_seen; /* edge: DOWN reported              */
        uint64_t         seen;      /* edge, loopback: arrivals seen    */
        uint32_t         pkts;      /* edge: packet events to report    */
        int              keep;      /* stays on the ready list          */
        struct smember * next;      /* the set's flows or servers       */
        struct smember * prev;
        struct smember * cnext;     /* the members a wait looks at      */
        /* changes.lock: */
        int              queued;    /* M_IDLE, M_QUEUED, M_CHECKING     */
        struct smember * rnext;     /* the ready list                   */
        struct smember * rprev;
};

/* A flow set: lock guards what is not marked otherwise. */
struct sfset {
        pthread_mutex_t   lock;
        void *            set;      /* Ouroboros set, made on first use;
                                       then read by the pump unlocked  */
        void *            fq;       /* the pump's event queue           */
        struct smember ** byfd;     /* members in the set, by fd        */
        struct smember *  flows;    /* flow members                     */
        struct smember *  srvs;     /* server channel members           */
        pthread_t         pump;
        int               pumping;  /* the pump runs: join it           */
        atomic_int        closing;  /* the pump leaves                  */
        atomic_int        wake;
        struct smember *  rhead;    /* changes.lock: the ready list     */
        struct smember *  rtail;
};

int fset_init(void)
{
        return cond_init(&changes.cond);
}

void fset_fini(void)
{
        pthread_cond_destroy(&changes.cond);
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

/* ------------------------------------------------ the Ouroboros set */

/* Needs s->lock, inside the gate. Takes the events fevent queued. */
static void drain_events(struct sfset * s)
{
        int fd;

        while ((fd = syslib.fqueue_next(s->fq)) >= 0) {
                int              type = syslib.fqueue_type(s->fq);
                struct smember * m;

                m = fd < OURO_PROG_MAX_FLOWS ? s->byfd[fd] : NULL;
                if (m == NULL)
                        continue; /* it left meanwhile */

                if (type == OURO_FLOW_PKT) {
                        size_t q = 0;
                        if (syslib.fccntl(fd, FLOWGRXQLEN, &q) < 0 || q == 0)
                                continue; /* keepalive */
                        if (m->interest & JOUR_IN_EDGE)
                                m->pkts++;
                        fsets_ready(m->f);
                } else if (type & (OURO_FLOW_DOWN | OURO_FLOW_DEALLOC |
                                   OURO_FLOW_PEER)) {
                        flow_down(m->f);
                }
        }
}

/* Waits for Ouroboros events in slices, until the set is destroyed. */
static void * pump_thread(void * arg)
{
        struct sfset * s = arg;

        (void) pthread_setname_np(pthread_self(), "jour-fset");

        while (!atomic_load(&s->closing)) {
                struct timespec slice;
                long            r;

                ts_of(PUMP_SLICE, &slice);
                if (gate_in() < 0)
                        break;
                r = syslib.fevent(s->set, s->fq, &slice);
                if (r > 0) {
                        pthread_mutex_lock(&s->lock);
                        drain_events(s);
                        pthread_mutex_unlock(&s->lock);
                }
                gate_out();

                if (r < 0 && r != -ETIMEDOUT)
                        sleep_ns(PUMP_SLICE); /* do not spin on errors */
        }

        return NULL;
}

/* Needs s->lock. Ouroboros allows 32 sets a process: made when needed. */
static int oset_ensure(struct sfset * s)
{
        if (s->set != NULL)
                return 0;

        if (atomic_load(&s->closing))
                return -EBADF;

        s->byfd = calloc(OURO_PROG_MAX_FLOWS, sizeof(*s->byfd));
        if (s->byfd == NULL)
                return -ENOMEM;

        if (gate_in() < 0) {
                free(s->byfd);
                s->byfd = NULL;
                return -EIRMD;
        }
        s->set = syslib.fset_create();
        s->fq  = syslib.fqueue_create();
        if (s->set != NULL && s->fq != NULL &&
            pthread_create(&s->pump, NULL, pump_thread, s) == 0)
                s->pumping = 1;
        if (!s->pumping) {
                if (s->set != NULL)
                        syslib.fset_destroy(s->set);
                if (s->fq != NULL)
                        syslib.fqueue_destroy(s->fq);
                s->set = NULL;
                s->fq  = NULL;
        }
        gate_out();

        if (!s->pumping) {
                free(s->byfd);
                s->byfd = NULL;
                return -ENOMEM;
        }

        return 0;
}

/* Needs s->lock: m's flow (fd) joins the Ouroboros set, if it can. */
static void oset_join(struct sfset *   s,
                      struct smember * m,
                      int              fd)
{
        int r;

        if (fd < 0 || fd >= OURO_PROG_MAX_FLOWS || oset_ensure(s) < 0)
                return;

        if (gate_in() < 0)
                return;
        r = syslib.fset_add(s->set, fd);
        gate_out();

        if (r == 0) {
                m->in_oset  = 1;
                s->byfd[fd] = m;
        }
}

/* Needs s->lock. */
static void oset_leave(struct sfset *   s,
                       struct smember * m)
{
        int fd = sflow_fd(m->f);

        if (!m->in_oset)
                return;

        m->in_oset  = 0;
        s->byfd[fd] = NULL;
        if (gate_in() < 0)
                return;
        syslib.fset_del(s->set, fd);
        gate_out();
}

/* ---------------------------------------------------------- members */

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

/* Needs s->lock: the member for obj, through the flow's list of sets. */
static struct smember * member_of(struct sfset * s,
                                  void *         obj,
                                  int            is_srv)
{
        struct sflow *   f = obj;
        struct smember * m = NULL;
        size_t           i;

        if (is_srv) {
                for (m = s->srvs; m != NULL; m = m->next)
                        if (m->obj == obj)
                                break;
                return m;
        }

        pthread_mutex_lock(&changes.lock);
        for (i = 0; i < f->nsets && m == NULL; ++i)
                if (f->sets[i].s == s)
                        m = f->sets[i].m;
        pthread_mutex_unlock(&changes.lock);

        return m;
}

/* Needs s->lock. */
static void member_link(struct smember ** head,
                        struct smember *  m)
{
        m->prev = NULL;
        m->next = *head;
        if (*head != NULL)
                (*head)->prev = m;
        *head = m;
}

/* Needs sets_lock and s->lock. */
static void member_remove(struct sfset *   s,
                          struct smember * m)
{
        struct smember ** head = m->f != NULL ? &s->flows : &s->srvs;

        if (m->f != NULL)
                oset_leave(s, m);

        if (m->prev != NULL)
                m->prev->next = m->next;
        else
                *head = m->next;
        if (m->next != NULL)
                m->next->prev = m->prev;

        pthread_mutex_lock(&changes.lock);
        if (m->f != NULL)
                flow_drop_set(m->f, s);
        if (m->queued == M_QUEUED)
                ready_unlink(s, m);
        pthread_mutex_unlock(&changes.lock);

        free(m);
}

/* A flow being deallocated leaves every set (FlowSet members may close). */
void fsets_forget(struct sflow * f)
{
        pthread_mutex_lock(&sets_lock);
        while (f->nsets > 0) {
                struct sfset * s = f->sets[f->nsets - 1].s;
                pthread_mutex_lock(&s->lock);
                member_remove(s, f->sets[f->nsets - 1].m);
                pthread_mutex_unlock(&s->lock);
        }
        pthread_mutex_unlock(&sets_lock);
}

int s_fset_create(void ** fs)
{
        struct sfset * s = calloc(1, sizeof(*s));

        if (s == NULL)
                return -ENOMEM;

        if (pthread_mutex_init(&s->lock, NULL) != 0) {
                free(s);
                return -ENOMEM;
        }

        *fs = s;

        return 0;
}

void s_fset_destroy(void * fs)
{
        struct sfset * s = fs;
        int            pumping;

        /* The pump leaves within a slice; nothing may add members now. */
        atomic_store(&s->closing, 1);
        pthread_mutex_lock(&s->lock);
        pumping = s->pumping;
        pthread_mutex_unlock(&s->lock);
        if (pumping)
                (void) pthread_join(s->pump, NULL);

        pthread_mutex_lock(&sets_lock);
        pthread_mutex_lock(&s->lock);
        while (s->flows != NULL)
                member_remove(s, s->flows);
        while (s->srvs != NULL)
                member_remove(s, s->srvs);
        if (s->set != NULL && gate_in() == 0) {
                syslib.fqueue_destroy(s->fq);
                syslib.fset_destroy(s->set);
                gate_out();
        }
        pthread_mutex_unlock(&s->lock);
        pthread_mutex_unlock(&sets_lock);

        pthread_mutex_destroy(&s->lock);
        free(s->byfd);
        free(s);
}

int s_fset_add(void *   fs,
               void *   obj,
               int      is_srv,
               uint64_t tag,
               int      interest)
{
        struct sfset *   s = fs;
        struct sflow *   f = is_srv ? NULL : obj;
        struct smember * m;
        int              ret = 0;

        pthread_mutex_lock(&sets_lock);
        pthread_mutex_lock(&s->lock);
        if (member_of(s, obj, is_srv) != NULL) {
                ret = -EEXIST;
                goto out;
        }
        if (f != NULL && atomic_load(&f->closing)) {
                ret = -EBADF;
                goto out;
        }
        m = calloc(1, sizeof(*m));
        if (m == NULL) {
                ret = -ENOMEM;
                goto out;
        }
        m->f        = f;
        m->obj      = obj;
        m->tag      = tag;
        m->interest = interest;

        if (f == NULL) {
                member_link(&s->srvs, m);
                notify();
                goto out;
        }

        pthread_mutex_lock(&changes.lock);
        ret = flow_note_set(f, s, m);
        pthread_mutex_unlock(&changes.lock);
        if (ret < 0) {
                free(m);
                goto out;
        }
        member_link(&s->flows, m);
        /*
         * Ouroboros puts a flow in one set at a time: in a second one it
         * is seen through the feeds of the first one's events, and joins
         * when the first lets go.
         */
        if (f->kind == SF_OURO)
                oset_join(s, m, sflow_fd(f));
        if (f->kind == SF_LOOP)
                m->seen = loop_arrived(f);

        /* The next wait looks at it once. */
        pthread_mutex_lock(&changes.lock);
        ready_mark(s, m);
        notify_locked();
        pthread_mutex_unlock(&changes.lock);
 out:
        pthread_mutex_unlock(&s->lock);
        pthread_mutex_unlock(&sets_lock);

        return ret;
}

int s_fset_mod(void *   fs,
               void *   obj,
               int      is_srv,
               uint64_t tag,
               int      interest)
{
        struct sfset *   s = fs;
        struct smember * m;

        pthread_mutex_lock(&s->lock);
        m = member_of(s, obj, is_srv);
        if (m != NULL) {
                m->tag      = tag;
                m->interest = interest;
                pthread_mutex_lock(&changes.lock);
                if (!is_srv)
                        ready_mark(s, m);
                notify_locked();
                pthread_mutex_unlock(&changes.lock);
        }
        pthread_mutex_unlock(&s->lock);

        return m == NULL ? -ENOENT : 0;
}

int s_fset_del(void * fs,
               void * obj,
               int    is_srv)
{
        struct sfset *   s = fs;
        struct smember * m;
        int              was_in = 0;

        pthread_mutex_lock(&sets_lock);
        pthread_mutex_lock(&s->lock);
        m = member_of(s, obj, is_srv);
        if (m != NULL) {
                was_in = m->in_oset;
                member_remove(s, m);
        }
        pthread_mutex_unlock(&s->lock);
        pthread_mutex_unlock(&sets_lock);

        /* Another set of the flow may join the Ouroboros set now. */
        if (was_in)
                fsets_ready(obj);

        return m == NULL ? -ENOENT : 0;
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

        if ((m->interest & JOUR_IN_READ) && s_flow_queue_len(f, 1) > 0)
                ev |= JOUR_EV_PKT;
        if (m->interest & JOUR_IN_WRITE) {
                if (down || fd < 0 || o_qlen(fd, 0) < TXQ_MAX)
                        ev |= JOUR_EV_OUT;
                else
                        *poll = m->keep = 1; /* no event says "room" */
        }
        if (down)
                ev |= JOUR_EV_DOWN;

        m->keep |= ev != 0;

        return ev != 0 ? put(out, k, m->tag, ev) : k;
}

/* Needs s->lock: looks at the members on the ready list. */
static int ready_events(struct sfset *      s,
                        struct jour_event * out,
                        int                 max,
                        int *               poll)
{
        struct smember *  list = NULL;
        struct smember ** tail = &list;
        struct smember *  m;
        int               k = 0;

        pthread_mutex_lock(&changes.lock);
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
                int64_t  rem = jour_remaining(deadline);
                uint64_t gen;
                int      poll = 0;

                if (atomic_load(&syslib.exiting))
                        return -EIRMD;

                pthread_mutex_lock(&changes.lock);
                gen = changes.gen;
                pthread_mutex_unlock(&changes.lock);

                pthread_mutex_lock(&s->lock);
                k = srv_events(s, out, max);
                k += ready_events(s, out + k, max - k, &poll);
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
