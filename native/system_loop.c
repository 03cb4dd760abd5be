/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Loopback flows: both ends of a flow inside this process, with the
 * semantics of an Ouroboros flow (whole SDUs, a bounded queue each way,
 * the end seen by the other side once one end is released).
 *
 * Ouroboros 0.23 defect contained here: a flow from a process to a name
 * it accepts on itself never works. The IRMd names both ring buffers of a
 * direct flow (pid, flow id), the second create fails, and its failure
 * path frees the first ring twice (heap corruption: the IRMd dies later,
 * at some unrelated malloc). We never send such an allocation to the
 * IRMd: a flow to a name this process serves is connected inside the
 * process (acceptor_route in system_accept.c makes the pair and queues
 * its server end for a server channel bound to that name), and an
 * allocation to a name we are bound to while we are not accepting keeps
 * our acceptor off meanwhile (system_alloc.c).
 */
#include <stdlib.h>

#include "system.h"

/* Needs lp->lock: the flow sets of the end facing end e look again. */
static void ready_other(struct lpair * lp,
                        int            e)
{
        if (lp->ends[!e] != NULL)
                fsets_ready(lp->ends[!e]);
}

struct lpair * lpair_new(void)
{
        struct lpair * lp = calloc(1, sizeof(*lp));

        if (lp == NULL)
                return NULL;

        if (pthread_mutex_init(&lp->lock, NULL) != 0) {
                free(lp);
                return NULL;
        }

        if (cond_init(&lp->cond) != 0) {
                pthread_mutex_destroy(&lp->lock);
                free(lp);
                return NULL;
        }

        lp->refs = 2;

        return lp;
}

void l_release(struct sflow * f)
{
        struct lpair * lp = f->lp;
        int            last;

        pthread_mutex_lock(&lp->lock);
        lp->gone[f->end] = 1;
        lp->ends[f->end] = NULL;
        ready_other(lp, f->end);
        last = --lp->refs == 0;
        pthread_cond_broadcast(&lp->cond);
        pthread_mutex_unlock(&lp->lock);

        notify(); /* a server channel's queue may hold the other end */

        if (last) {
                sduq_clear(&lp->q[0]);
                sduq_clear(&lp->q[1]);
                pthread_cond_destroy(&lp->cond);
                pthread_mutex_destroy(&lp->lock);
                free(lp);
        }

        sflow_free(f);
}

ssize_t l_read(struct sflow * f,
               struct iovec * iov,
               int            iovcnt,
               int64_t        timeo)
{
        struct lpair * lp = f->lp;
        int            e = f->end;
        int64_t        deadline = jour_deadline(timeo);
        struct sdu *   s;
        int            was_full;
        ssize_t        n;

        pthread_mutex_lock(&lp->lock);
        for (;;) {
                int64_t rem;

                if (atomic_load(&f->closing)) {
                        pthread_mutex_unlock(&lp->lock);
                        return -EJOUR_WOKEN;
                }

                was_full = lp->q[e].n >= LOOP_MAX_SDUS ||
                        lp->q[e].bytes >= LOOP_MAX_BYTES;
                s = sduq_pop(&lp->q[e]);
                if (s != NULL)
                        break;

                if (lp->gone[!e]) {
                        pthread_mutex_unlock(&lp->lock);
                        atomic_store(&f->down, 1);
                        return -EFLOWDOWN;
                }

                if (timeo == 0) {
                        pthread_mutex_unlock(&lp->lock);
                        return -EAGAIN;
                }

                rem = jour_remaining(deadline);
                if (rem == 0) {
                        pthread_mutex_unlock(&lp->lock);
                        return -ETIMEDOUT;
                }

                cond_wait_ns(&lp->cond, &lp->lock, step_of(rem, WAIT_CAP));
        }
        pthread_cond_broadcast(&lp->cond); /* room for a writer */
        if (was_full)
                ready_other(lp, e); /* OP_WRITE of the other end */
        pthread_mutex_unlock(&lp->lock);

        scatter(iov, iovcnt, s->data, s->len);
        n = (ssize_t) s->len;
        free(s);

        return n;
}

static int l_room(const struct sduq * q,
                  size_t              len)
{
        return q->n < LOOP_MAX_SDUS &&
                (q->n == 0 || q->bytes + len <= LOOP_MAX_BYTES);
}

ssize_t l_write(struct sflow * f,
                const void *   buf,
                size_t         len,
                int64_t        timeo)
{
        struct lpair * lp = f->lp;
        int            e = f->end;
        int64_t        deadline = jour_deadline(timeo);
        struct sdu *   s;

        if (len == 0) {
                /* Ouroboros drops empty SDUs: nothing to deliver. */
                int gone;
                pthread_mutex_lock(&lp->lock);
                gone = lp->gone[!e];
                pthread_mutex_unlock(&lp->lock);
                return gone ? -EFLOWDOWN : 0;
        }

        s = sdu_new(buf, len);
        if (s == NULL)
                return -ENOMEM;

        pthread_mutex_lock(&lp->lock);
        for (;;) {
                int64_t rem;

                if (atomic_load(&f->closing)) {
                        pthread_mutex_unlock(&lp->lock);
                        free(s);
                        return -EJOUR_WOKEN;
                }

                if (lp->gone[!e]) {
                        pthread_mutex_unlock(&lp->lock);
                        free(s);
                        return -EFLOWDOWN;
                }

                if (l_room(&lp->q[!e], len))
                        break;

                if (timeo == 0) {
                        pthread_mutex_unlock(&lp->lock);
                        free(s);
                        return -EAGAIN;
                }

                rem = jour_remaining(deadline);
                if (rem == 0) {
                        pthread_mutex_unlock(&lp->lock);
                        free(s);
                        return -ETIMEDOUT;
                }

                cond_wait_ns(&lp->cond, &lp->lock, step_of(rem, WAIT_CAP));
        }
        sduq_push(&lp->q[!e], s);
        pthread_cond_broadcast(&lp->cond);
        ready_other(lp, e);
        pthread_mutex_unlock(&lp->lock);

        return (ssize_t) len;
}

/* close(): the other end sees the end at once; blocked calls end. */
void l_wake(struct sflow * f)
{
        pthread_mutex_lock(&f->lp->lock);
        f->lp->gone[f->end] = 1;
        ready_other(f->lp, f->end);
        pthread_cond_broadcast(&f->lp->cond);
        pthread_mutex_unlock(&f->lp->lock);
        notify(); /* a server channel's queue may hold the other end */
}

int l_is_down(struct sflow * f)
{
        int gone;

        pthread_mutex_lock(&f->lp->lock);
        gone = f->lp->gone[!f->end];
        pthread_mutex_unlock(&f->lp->lock);

        return gone;
}

int l_queue_len(struct sflow * f,
                int            rx)
{
        int q;

        pthread_mutex_lock(&f->lp->lock);
        q = (int) f->lp->q[rx ? f->end : !f->end].n;
        pthread_mutex_unlock(&f->lp->lock);

        return q;
}

/* SDUs that ever arrived for f to read. */
uint64_t loop_arrived(struct sflow * f)
{
        uint64_t n;

        pthread_mutex_lock(&f->lp->lock);
        n = f->lp->q[f->end].arrived;
        pthread_mutex_unlock(&f->lp->lock);

        return n;
}

/* Whether the loopback flow's client gave up. */
int loop_abandoned(struct sflow * srv_end)
{
        struct lpair * lp = srv_end->lp;
        int            gone;

        pthread_mutex_lock(&lp->lock);
        gone = lp->gone[0];
        pthread_mutex_unlock(&lp->lock);

        return gone;
}

/*
 * The JOUR_EV_* bits of f for a flow set member with this interest;
 * *seen and *down_seen are the member's edge state (what it reported).
 */
uint32_t loop_events(struct sflow * f,
                     int            interest,
                     uint64_t *     seen,
                     int *          down_seen)
{
        struct lpair * lp = f->lp;
        int            e = f->end;
        uint32_t       ev = 0;

        pthread_mutex_lock(&lp->lock);
        if (interest & JOUR_IN_EDGE) {
                if (lp->q[e].arrived != *seen) {
                        *seen = lp->q[e].arrived;
                        ev |= JOUR_EV_PKT;
                }
                if (lp->gone[!e] && !*down_seen) {
                        *down_seen = 1;
                        ev |= JOUR_EV_DOWN;
                }
        } else {
                if ((interest & JOUR_IN_READ) && lp->q[e].n > 0)
                        ev |= JOUR_EV_PKT;
                if ((interest & JOUR_IN_WRITE) &&
                    (lp->gone[!e] || lp->q[!e].n == 0 ||
                     (lp->q[!e].n < LOOP_MAX_SDUS &&
                      lp->q[!e].bytes < LOOP_MAX_BYTES)))
                        ev |= JOUR_EV_OUT;
                if (lp->gone[!e])
                        ev |= JOUR_EV_DOWN;
        }
        pthread_mutex_unlock(&lp->lock);

        return ev;
}
