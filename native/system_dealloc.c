/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Deferred deallocation of Ouroboros flows: one detached thread per flow
 * (jour-dealloc), started by the flow's last owner.
 *
 * Ouroboros 0.23 defect contained here: flow_dealloc blocks forever while
 * SDUs we sent stay unread at a peer that is gone, and frees only one of
 * the SDUs we did not read (the rest stay taken in the shared pool). So
 * it runs on a detached thread that first reads everything, then waits
 * until the peer has taken what we sent, and takes it back (out of the
 * shared ring, o_purge_tx in system_peek.c) from a peer that died or took
 * nothing for LINGER_NS. The peer sees close() at once all the same:
 * close sets FLOWFDOWN on our rings (s_flow_wake in system_flow.c; the
 * peer reads what is queued, then the end), since a selector may keep
 * the flow allocated a while.
 */
#define _GNU_SOURCE
#include "system.h"

#define LINGER_NS       (30000 * MS) /* close: a peer that takes nothing */

/*
 * Deallocation threads not done yet, for dealloc_settle at exit: the
 * library's destructor forgets a flow only locally, and the IRMd 0.23
 * never deallocates the flows of a process that is gone, so an IPCP keeps
 * them for good (a broadcast IPCP goes on copying every SDU to such a
 * member, which nobody reads, until the small blocks of the packet pool
 * run out and every writer of the layer waits). Seen: 2 of 120 peer
 * processes in 30 BroadcastTest runs left a member; none of 240 with it.
 */
static atomic_int releasing;

static void * dealloc_thread(void * arg)
{
        struct sflow * f = arg;
        int64_t        nap = 1 * MS;
        int64_t        since = jour_now_ns();
        int            last = -1;

        (void) pthread_setname_np(pthread_self(), "jour-dealloc");

        unwatch(f);

        for (;;) {
                int q;

                if (atomic_load(&syslib.exiting)) {
                        sflow_free(f); /* the library's destructor will do */
                        atomic_fetch_sub(&releasing, 1);
                        return NULL;
                }

                /*
                 * flow_dealloc reads one SDU of what the peer sent and
                 * leaves the rest in the pool for good: take it all.
                 */
                pthread_mutex_lock(&f->rxlock);
                drain_locked(f);
                pthread_mutex_unlock(&f->rxlock);
                sduq_clear(&f->stash);

                /*
                 * flow_dealloc waits, unbounded, until the peer took all we
                 * sent: wait for that here, and take it back from a peer
                 * that died or has taken nothing for LINGER_NS. (Down flags
                 * say nothing here: close marked our own rings down.)
                 */
                q = o_qlen(f->fd, 0);
                if (q <= 0)
                        break;

                if (pidfd_dead(f->pidfd) ||
                    (q >= last && last >= 0 &&
                     jour_now_ns() - since > LINGER_NS)) {
                        o_purge_tx(f->fd);
                        if (o_qlen(f->fd, 0) > 0) {
                                sflow_free(f); /* better leaked than hung */
                                atomic_fetch_sub(&releasing, 1);
                                return NULL;
                        }
                        break;
                }
                if (q < last || last < 0)
                        since = jour_now_ns();
                last = q;

                sleep_ns(nap);
                if (nap < 500 * MS)
                        nap *= 2;
        }

        (void) o_dealloc(f->fd);

        sflow_free(f);

        atomic_fetch_sub(&releasing, 1);

        return NULL;
}

void o_release(struct sflow * f)
{
        if (f->fd < 0) {
                sflow_free(f);
                return;
        }

        atomic_fetch_add(&releasing, 1);
        if (start_detached(dealloc_thread, f) != 0) {
                /* No thread: better a leaked flow than a hang here. */
                atomic_fetch_sub(&releasing, 1);
                unwatch(f);
                sflow_free(f);
        }
}

void dealloc_settle(int64_t max_ns)
{
        int64_t t0 = jour_now_ns();

        while (atomic_load(&releasing) > 0 && jour_now_ns() - t0 < max_ns)
                sleep_ns(MS);
}

void release_any(struct sflow * f)
{
        if (f->kind == SF_LOOP)
                l_release(f);
        else
                o_release(f);
}
