/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Flow sets: the engine of our Selector on the system layer. Members are
 * flows (Ouroboros or loopback) and server channels, each with the
 * caller's tag and interest. This file keeps the members (found by index:
 * a flow through its own list of sets, sflow.sets; an Ouroboros event's
 * flow through the set's table of fds, byfd), the Ouroboros set and its
 * pump; system_ready.c the ready lists and the waits.
 *
 * Ouroboros 0.23 defects contained here:
 *
 *  - fevent has no wake-up, and with a zero timeout it still sleeps (a
 *    timed wait on an expired deadline: one trip through the scheduler,
 *    ~100 us on a busy machine, at every selectNow). So no caller of ours
 *    waits in fevent: a set that holds Ouroboros flows has a pump thread
 *    (jour-fset) that waits in fevent in slices (PUMP_SLICE) and feeds
 *    the ready lists (drain_events); the set's destroy joins it.
 *  - Keepalives raise packet events with nothing queued (FRCT takes them
 *    in fevent): drain_events ignores them (an event with nothing queued
 *    in Ouroboros counts when our stash holds an SDU or is taking one).
 *  - Ouroboros puts a flow in one set at a time: a flow in a second set
 *    is seen there through the feeds of the first one's events, and joins
 *    when the first lets go (s_fset_del feeds its other sets).
 *  - Ouroboros allows 32 sets a process: the Ouroboros set of ours is
 *    made on first use (oset_ensure).
 *  - fevent and fqueue_next read the in-order flows of the set outside
 *    the library's lock, which flow_dealloc frees: the pump holds
 *    events_rw shared around them (events_in, system_lib.c), and the
 *    deallocation of an in-order flow waits for it.
 */
#define _GNU_SOURCE
#include <stdlib.h>

#include "system_fset.h"

#define PUMP_SLICE      (20 * MS)   /* the pump's fevent: closing seen */

/* Taken to change which sets hold which flow (sflow.sets). */
static pthread_mutex_t sets_lock = PTHREAD_MUTEX_INITIALIZER;

/* ------------------------------------------------ the Ouroboros set */

/* Needs s->lock, inside events_in(). Takes the events fevent queued. */
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
                        /*
                         * Nothing queued: a keepalive, unless the SDU is
                         * in our stash, or on its way there (o_probe and
                         * drain_locked, system_flow.c, may take one that
                         * lands as they look). stashing is read before
                         * nstash, which they raise before they lower it.
                         */
                        if ((syslib.fccntl(fd, FLOWGRXQLEN, &q) < 0 ||
                             q == 0) && atomic_load(&m->f->stashing) == 0 &&
                            atomic_load(&m->f->nstash) == 0)
                                continue;
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
                /* No in-order flow is deallocated under these calls. */
                if (events_in() < 0)
                        break;
                r = syslib.fevent(s->set, s->fq, &slice);
                if (r > 0) {
                        pthread_mutex_lock(&s->lock);
                        drain_events(s);
                        pthread_mutex_unlock(&s->lock);
                }
                events_out();

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
void oset_join(struct sfset *   s,
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

/* Needs s->lock: the member for obj, through the flow's list of sets. */
static struct smember * member_of(struct sfset * s,
                                  void *         obj,
                                  int            is_srv)
{
        struct smember * m;

        if (!is_srv)
                return ready_find(obj, s);

        for (m = s->srvs; m != NULL; m = m->next)
                if (m->obj == obj)
                        break;

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

        ready_forget(s, m);

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

/*
 * Needs s->lock: an Ouroboros flow joins the set. With edge interest, the
 * SDUs already queued are reported by the next wait, one event each, as
 * those that arrive later are: fset_add itself notifies one packet event
 * when its ring holds any (the pump counts it), so the rest are added
 * here, with those of our stash (which Ouroboros no longer sees).
 */
static void edge_add_ouro(struct sfset *   s,
                          struct smember * m,
                          struct sflow *   f)
{
        int fd = sflow_fd(f);
        int q  = 0;

        if ((m->interest & JOUR_IN_EDGE) && atomic_load(&f->finished) &&
            fd >= 0) {
                q = o_qlen(fd, 1);
                if (q < 0)
                        q = 0;
        }

        oset_join(s, m, fd);

        if (m->interest & JOUR_IN_EDGE) {
                if (m->in_oset && q > 0)
                        --q;
                m->pkts += (uint32_t) q + (uint32_t) atomic_load(&f->nstash);
        }
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
                ready_touch(s, NULL);
                goto out;
        }

        ret = ready_note(f, s, m);
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
                edge_add_ouro(s, m, f);
        if (f->kind == SF_LOOP) {
                m->seen = loop_arrived(f);
                /* Edge: what is queued counts as arrived since it joined. */
                if ((interest & JOUR_IN_EDGE) && atomic_load(&f->finished))
                        m->seen -= (uint64_t) l_queue_len(f, 1);
        }

        /* The next wait looks at it once. */
        ready_touch(s, m);
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
                ready_touch(s, is_srv ? NULL : m);
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
