/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Flow sets: the engine of our Selector on the system layer. Members are
 * flows (Ouroboros or loopback) and server channels, each with the
 * caller's tag and interest; a wait reports the JOUR_EV_* bits that hold.
 *
 * Ouroboros 0.23 defects contained here:
 *
 *  - fevent has no wake-up: a wait on a set holding Ouroboros flows
 *    sleeps in fevent in slices (FSET_SLICE) and checks the set's wake
 *    flag between them; a set without them waits on our own change
 *    counter (notify), which loopback, accepting, allocation and peer
 *    deaths bump.
 *  - fevent counts nothing and its events are edges: we keep our own
 *    level readiness (a flow is readable after a packet event until a
 *    read finds nothing) and ignore keepalive events (a packet event with
 *    nothing queued).
 *  - Ouroboros puts a flow in one set at a time: in a second set a flow
 *    is seen through the flags the first one's events set, and joins when
 *    the first lets go (s_fset_add, level_events).
 *  - Ouroboros allows 32 sets a process: the Ouroboros set of ours is
 *    made on first use (oset_ensure).
 */
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "system.h"

#define FSET_SLICE      (10 * MS)   /* fevent without a wake-up       */

/*
 * The change counter: bumped (and broadcast) by every change a wait
 * without fevent must see. lock guards gen; cond goes with lock.
 */
static struct {
        pthread_mutex_t lock;
        pthread_cond_t  cond;
        uint64_t        gen;
} changes = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* Which sets hold which flow (every sflow's sets, nsets, capsets). */
static pthread_mutex_t sets_lock = PTHREAD_MUTEX_INITIALIZER;

int fset_init(void)
{
        return cond_init(&changes.cond);
}

void fset_fini(void)
{
        pthread_cond_destroy(&changes.cond);
}

void notify(void)
{
        pthread_mutex_lock(&changes.lock);
        ++changes.gen;
        pthread_cond_broadcast(&changes.cond);
        pthread_mutex_unlock(&changes.lock);
}

static uint64_t notify_gen(void)
{
        uint64_t g;

        pthread_mutex_lock(&changes.lock);
        g = changes.gen;
        pthread_mutex_unlock(&changes.lock);

        return g;
}

/* ---------------------------------------------------------- flow sets */

/* A member of a set: guarded by its set's lock. */
struct smember {
        uint64_t   tag;
        void *     obj;
        int        is_srv;
        int        interest;
        int        in_oset;   /* its fd is in the Ouroboros set */
        int        down_seen; /* edge: DOWN reported            */
        uint64_t   seen;      /* edge, loopback: arrivals seen  */
};

/* A flow set: lock guards all but wake. */
struct sfset {
        void *           set;       /* Ouroboros set, made on first use */
        void *           fq;
        pthread_mutex_t  lock;
        struct smember * m;
        size_t           n;
        size_t           cap;
        atomic_int       wake;
};

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

/* Needs s->lock. Ouroboros allows 32 sets a process: made when needed. */
static int oset_ensure(struct sfset * s)
{
        if (s->set != NULL)
                return 0;

        if (gate_in() < 0)
                return -EIRMD;
        s->set = syslib.fset_create();
        s->fq  = syslib.fqueue_create();
        if (s->set == NULL || s->fq == NULL) {
                if (s->set != NULL)
                        syslib.fset_destroy(s->set);
                if (s->fq != NULL)
                        syslib.fqueue_destroy(s->fq);
                s->set = NULL;
                s->fq  = NULL;
        }
        gate_out();

        return s->set == NULL ? -ENOMEM : 0;
}

/* Needs s->lock. */
static int oset_add(struct sfset * s,
                    int            fd)
{
        int r;

        if (oset_ensure(s) < 0)
                return -ENOMEM;

        if (gate_in() < 0)
                return -EIRMD;
        r = syslib.fset_add(s->set, fd);
        gate_out();

        return r;
}

static void oset_del(struct sfset * s,
                     int            fd)
{
        if (s->set == NULL || gate_in() < 0)
                return;
        syslib.fset_del(s->set, fd);
        gate_out();
}

/* Needs sets_lock. */
static int flow_note_set(struct sflow * f,
                         struct sfset * s)
{
        if (f->nsets == f->capsets) {
                size_t          cap = f->capsets == 0 ? 2 : 2 * f->capsets;
                struct sfset ** v = realloc(f->sets, cap * sizeof(*v));
                if (v == NULL)
                        return -ENOMEM;
                f->sets    = v;
                f->capsets = cap;
        }

        f->sets[f->nsets++] = s;

        return 0;
}

/* Needs sets_lock. */
static void flow_drop_set(struct sflow * f,
                          struct sfset * s)
{
        size_t i;

        for (i = 0; i < f->nsets; ++i) {
                if (f->sets[i] == s) {
                        f->sets[i] = f->sets[--f->nsets];
                        return;
                }
        }
}

/* Needs s->lock. */
static struct smember * member_of(struct sfset * s,
                                  void *         obj)
{
        size_t i;

        for (i = 0; i < s->n; ++i)
                if (s->m[i].obj == obj)
                        return &s->m[i];

        return NULL;
}

/* Needs s->lock. */
static void member_remove(struct sfset *   s,
                          struct smember * m)
{
        if (m->in_oset)
                oset_del(s, sflow_fd(m->obj));
        *m = s->m[--s->n];
}

/* A flow being deallocated leaves every set (FlowSet members may close). */
void fsets_forget(struct sflow * f)
{
        size_t i;

        pthread_mutex_lock(&sets_lock);
        for (i = 0; i < f->nsets; ++i) {
                struct sfset *   s = f->sets[i];
                struct smember * m;
                pthread_mutex_lock(&s->lock);
                m = member_of(s, f);
                if (m != NULL)
                        member_remove(s, m);
                pthread_mutex_unlock(&s->lock);
        }
        f->nsets = 0;
        pthread_mutex_unlock(&sets_lock);
}

void s_fset_destroy(void * fs)
{
        struct sfset * s = fs;
        size_t         i;

        pthread_mutex_lock(&sets_lock);
        pthread_mutex_lock(&s->lock);
        for (i = 0; i < s->n; ++i)
                if (!s->m[i].is_srv)
                        flow_drop_set(s->m[i].obj, s);
        while (s->n > 0)
                member_remove(s, &s->m[s->n - 1]);
        if (s->set != NULL && gate_in() == 0) {
                syslib.fqueue_destroy(s->fq);
                syslib.fset_destroy(s->set);
                gate_out();
        }
        pthread_mutex_unlock(&s->lock);
        pthread_mutex_unlock(&sets_lock);

        pthread_mutex_destroy(&s->lock);
        free(s->m);
        free(s);
}

int s_fset_add(void *   fs,
               void *   obj,
               int      is_srv,
               uint64_t tag,
               int      interest)
{
        struct sfset *   s = fs;
        struct sflow *   f = obj;
        struct smember * m;
        int              in_oset = 0;
        int              ret = 0;

        pthread_mutex_lock(&sets_lock);
        pthread_mutex_lock(&s->lock);
        if (member_of(s, obj) != NULL) {
                ret = -EEXIST;
                goto out;
        }
        if (s->n == s->cap) {
                size_t           cap = s->cap == 0 ? 16 : 2 * s->cap;
                struct smember * nm = realloc(s->m, cap * sizeof(*nm));
                if (nm == NULL) {
                        ret = -ENOMEM;
                        goto out;
                }
                s->m   = nm;
                s->cap = cap;
        }
        if (!is_srv) {
                if (atomic_load(&f->closing)) {
                        ret = -EBADF;
                        goto out;
                }
                if (flow_note_set(f, s) < 0) {
                        ret = -ENOMEM;
                        goto out;
                }
                /*
                 * Ouroboros puts a flow in one set at a time: in a second
                 * one it is seen through the flags the first one's events
                 * set (level readiness), and joins when the first lets go.
                 */
                if (f->kind == SF_OURO && sflow_fd(f) >= 0)
                        in_oset = oset_add(s, sflow_fd(f)) == 0;
        }
        m = &s->m[s->n++];
        memset(m, 0, sizeof(*m));
        m->in_oset  = in_oset;
        m->tag      = tag;
        m->obj      = obj;
        m->is_srv   = is_srv;
        m->interest = interest;
        if (!is_srv && f->kind == SF_LOOP)
                m->seen = loop_arrived(f);
        if (!is_srv && (interest & JOUR_IN_EDGE) == 0)
                atomic_store(&f->ready, 1);
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

        (void) is_srv;

        pthread_mutex_lock(&s->lock);
        m = member_of(s, obj);
        if (m != NULL) {
                m->tag      = tag;
                m->interest = interest;
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

        pthread_mutex_lock(&sets_lock);
        pthread_mutex_lock(&s->lock);
        m = member_of(s, obj);
        if (m != NULL) {
                if (!is_srv)
                        flow_drop_set(obj, s);
                member_remove(s, m);
        }
        pthread_mutex_unlock(&s->lock);
        pthread_mutex_unlock(&sets_lock);

        return m == NULL ? -ENOENT : 0;
}

/* ------------------------------------------------------------- waits */

static int fd_readable(int fd)
{
        struct pollfd p = { .fd = fd, .events = POLLIN, .revents = 0 };

        return fd >= 0 && poll(&p, 1, 0) == 1;
}

/*
 * Readiness that is not an Ouroboros event: level members (a flow is
 * readable after a packet event until a read finds nothing; a packet
 * event with nothing queued, a keepalive, is no readiness at all),
 * loopback flows, accepting sides, allocations that ended, peers that
 * died. Needs s->lock.
 */
static int level_events(struct sfset *      s,
                        struct jour_event * out,
                        int                 max)
{
        size_t i;
        int    k = 0;

        for (i = 0; i < s->n && k < max; ++i) {
                struct smember * m = &s->m[i];
                struct sflow *   f = m->obj;
                uint32_t         ev = 0;

                if (m->is_srv) {
                        if ((m->interest & JOUR_IN_READ) &&
                            !(m->interest & JOUR_IN_EDGE)) {
                                if (srv_ready(m->obj))
                                        ev |= JOUR_EV_PKT;
                        }
                } else if (!atomic_load(&f->finished)) {
                        /* OP_CONNECT: the allocation has ended. */
                        if ((m->interest & JOUR_IN_READ) &&
                            !(m->interest & JOUR_IN_EDGE) &&
                            fd_readable(f->evfd))
                                ev |= JOUR_EV_PKT;
                } else if (f->kind == SF_LOOP) {
                        ev = loop_events(f, m->interest, &m->seen,
                                         &m->down_seen);
                } else {
                        int fd = sflow_fd(f);
                        if (fd >= 0 && !m->in_oset && oset_add(s, fd) == 0)
                                m->in_oset = 1;
                        if (m->interest & JOUR_IN_EDGE) {
                                if (atomic_load(&f->down) && !m->down_seen) {
                                        m->down_seen = 1;
                                        ev |= JOUR_EV_DOWN;
                                }
                        } else {
                                if ((m->interest & JOUR_IN_READ) &&
                                    (atomic_load(&f->ready) ||
                                     atomic_load(&f->nstash) > 0)) {
                                        if (s_flow_queue_len(f, 1) > 0)
                                                ev |= JOUR_EV_PKT;
                                        else
                                                atomic_store(&f->ready, 0);
                                }
                                if ((m->interest & JOUR_IN_WRITE) &&
                                    (atomic_load(&f->down) || fd < 0 ||
                                     o_qlen(fd, 0) < TXQ_MAX))
                                        ev |= JOUR_EV_OUT;
                                if (atomic_load(&f->down))
                                        ev |= JOUR_EV_DOWN;
                        }
                }

                if (ev != 0) {
                        out[k].tag    = m->tag;
                        out[k].events = ev;
                        ++k;
                }
        }

        return k;
}

/* Takes the events Ouroboros queued; edge members are reported here. */
static int drain_events(struct sfset *      s,
                        struct jour_event * out,
                        int                 k,
                        int                 max)
{
        int fd;

        if (s->set == NULL || gate_in() < 0)
                return k;

        while (k < max && (fd = syslib.fqueue_next(s->fq)) >= 0) {
                int    type = syslib.fqueue_type(s->fq);
                size_t i;

                for (i = 0; i < s->n; ++i) {
                        struct smember * m = &s->m[i];
                        struct sflow *   f = m->obj;
                        uint32_t         ev = 0;

                        if (m->is_srv || !m->in_oset || sflow_fd(f) != fd)
                                continue;

                        if (type == OURO_FLOW_PKT) {
                                size_t q = 0;
                                if (syslib.fccntl(fd, FLOWGRXQLEN, &q) < 0 ||
                                    q == 0)
                                        break; /* keepalive */
                                atomic_store(&f->ready, 1);
                                ev = JOUR_EV_PKT;
                        } else if (type & (OURO_FLOW_DOWN | OURO_FLOW_DEALLOC |
                                           OURO_FLOW_PEER)) {
                                atomic_store(&f->down, 1);
                                if (!m->down_seen) {
                                        ev = JOUR_EV_DOWN;
                                        if (m->interest & JOUR_IN_EDGE)
                                                m->down_seen = 1;
                                }
                        }

                        if (ev != 0 && (m->interest & JOUR_IN_EDGE)) {
                                out[k].tag    = m->tag;
                                out[k].events = ev;
                                ++k;
                        }
                        break;
                }
        }

        gate_out();

        return k;
}

int s_fset_wait(void *              fs,
                struct jour_event * out,
                int                 max,
                int64_t             timeo)
{
        struct sfset *  s = fs;
        int64_t         deadline = jour_deadline(timeo);
        struct timespec zero = { 0, 0 };
        int             k;

        for (;;) {
                int64_t  rem = jour_remaining(deadline);
                uint64_t gen = notify_gen();
                int      oset;

                if (atomic_load(&syslib.exiting))
                        return -EIRMD;

                pthread_mutex_lock(&s->lock);
                if (s->set != NULL && gate_in() == 0) {
                        (void) syslib.fevent(s->set, s->fq, &zero);
                        gate_out();
                }
                k = drain_events(s, out, 0, max);
                k += level_events(s, out + k, max - k);
                oset = s->set != NULL;
                pthread_mutex_unlock(&s->lock);

                if (k > 0)
                        return k;

                if (atomic_exchange(&s->wake, 0))
                        return 0;

                if (rem == 0)
                        return 0;

                if (oset) {
                        /* fevent has no wake-up: wait in slices. */
                        struct timespec slice;
                        ts_of(step_of(rem, FSET_SLICE), &slice);
                        if (gate_in() == 0) {
                                (void) syslib.fevent(s->set, s->fq, &slice);
                                gate_out();
                        }
                } else {
                        /* Nothing of Ouroboros here: wait for a change. */
                        pthread_mutex_lock(&changes.lock);
                        if (changes.gen == gen && !atomic_load(&s->wake))
                                cond_wait_ns(&changes.cond, &changes.lock,
                                             step_of(rem, WAIT_CAP));
                        pthread_mutex_unlock(&changes.lock);
                }
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
