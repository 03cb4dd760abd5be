/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Allocation: connecting a flow to a name (one detached jour-alloc
 * thread per allocation under way), and joining a broadcast layer.
 *
 * Ouroboros 0.23 defects contained here:
 *
 *  - flow_alloc cannot be interrupted: it runs on its own thread (at most
 *    ALLOC_MAX at once), and the caller waits on the flow's condition,
 *    which close also signals (s_flow_wake).
 *  - flow_alloc prints to stdout when the IRMd is gone: each try asks
 *    irmd_gone() first (system_lib.c).
 *  - The IRMd hands a flow to a process that died while it waited in
 *    flow_accept: an allocation whose peer is already dead (o_setup,
 *    system_peer.c) is deallocated and tried again (ALLOC_TRIES); one
 *    whose peer's ring was already gone fails in flow_init (ENOMEM) and is
 *    tried again too.
 *  - An allocation that meets the end of the server's accept slice fails
 *    at once (the IRMd destroys the pending accept it had picked): its
 *    ECRYPT or EBADF, and an ETIMEDOUT or EIPCP quicker than ALLOC_QUICK,
 *    is tried again (ALLOC_TRIES).
 *  - The IRMd hands one pending accept to two allocations at once (its
 *    reg_wait_flow_accepting claims nothing): the second's request
 *    overwrites the first's, and the first then takes the answer meant
 *    for the second ("OAP response ID mismatch": ECRYPT), or the second
 *    fails to prepare ("Failed to create flow structs": EBADF, then EIPCP
 *    from the layers). 1 to 3 times in 1,000 allocations at once. Both are
 *    tried again (below); the server keeps the flow the IRMd accepted for
 *    the loser until that process ends (nothing here can reach it).
 *  - A local server not in flow_accept within the IRMd's second makes an
 *    allocation fail with EIPCP: asked again (SLOW_EIPCP_TRIES).
 *  - A flow to a name this process serves must never reach the IRMd
 *    (system_loop.c): acceptor_route() decides first.
 *  - FRCT frees packets twice (two readers of one ring) and frees packets
 *    the peer has not read (retransmission): an in-order flow is
 *    allocated without FRCT (qos_to_ouro).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "system.h"

#define ALLOC_TRY_S     5           /* one flow_alloc                 */
#define ALLOC_TIMEO_NS  (30000 * MS) /* all tries of one allocation   */
#define ALLOC_TRIES     4
#define ALLOC_MAX       16          /* flow_alloc calls at once       */
#define ALLOC_GRACE     (5 * MS)    /* non-blocking connect: fast errors */
#define ALLOC_ENAME_NS  (2000 * MS) /* ...and for the ENAME of a missing name */
#define LOOP_NOSRV_NS   (2000 * MS) /* loopback flow nobody can accept */
#define ALLOC_QUICK     (500 * MS)  /* an IRMd failure too quick to be real */
#define JOIN_TIMEO_S    10
#define SLOW_EIPCP_TRIES 3          /* see alloc_thread               */

/* At most ALLOC_MAX flow_alloc calls at once (a semaphore: no lock). */
static sem_t alloc_sem;

int alloc_init(void)
{
        return sem_init(&alloc_sem, 0, ALLOC_MAX) == 0 ? 0 : -1;
}

void alloc_fini(void)
{
        (void) sem_destroy(&alloc_sem);
}

/*
 * Ouroboros 0.23's FRCT (the reliable transport it runs for a flow with
 * in_order set) cannot be used safely, so an in-order flow is allocated
 * without it:
 *
 *  - Two threads take packets from an FRCT flow's receive ring: the
 *    reader (flow_read) and the library's own rx thread (fevent on its
 *    FRCT set, fqueue_filter, which reads the packets of every FRCT flow
 *    that has an event); ours do too (our flow set pumps call fevent). The
 *    ring is single-consumer: ssm_rbuff_read looks whether it is empty
 *    before it takes its lock, so two readers of its last packet both go
 *    on, the second takes a stale slot and moves the tail past the head.
 *    The same block is freed twice, the pool hands it to two writers, and
 *    flows anywhere on the machine read other flows' data (seen: the pool
 *    checker found blocks free twice after 1 in 6 runs of
 *    EncryptionTest's FRCT test, and after 1 in 4 runs of 24 plain
 *    in-order echoes, and none without FRCT).
 *  - Its retransmission frees each packet it keeps at its timeout (about
 *    1 ms between local processes) even when the peer has not read it
 *    yet: flow_read took a freed packet buffer (SIGSEGV in
 *    ssm_pk_buff_head, also C oping -f -q data).
 *
 * So an in-order flow asks Ouroboros for in_order 0 (no FRCT, at both
 * ends: the accepting side's flow follows the client's QoS) and says it
 * was in order in its loss: loss | OURO_LOSS_ORDERED; qos_from_ouro reads
 * it back as in order with that loss, on both ends. Between local
 * processes Ouroboros connects the two directly through shared rings,
 * which keep order and never drop (writes never go to a full ring,
 * s_flow_write); across a layer that loses or reorders, nothing restores
 * order or resends. A flow from a peer that asked for FRCT itself (a C
 * tool, pyOuroboros) still runs it.
 */
static void qos_to_ouro(const struct jour_qos * q,
                        ouro_qosspec_t *        o)
{
        int ordered = q->in_order && q->loss < OURO_LOSS_ORDERED;

        memset(o, 0, sizeof(*o));
        o->delay        = q->delay;
        o->bandwidth    = q->bandwidth;
        o->availability = q->availability;
        o->loss         = ordered ? q->loss | OURO_LOSS_ORDERED : q->loss;
        o->ber          = q->ber;
        o->in_order     = ordered ? 0 : q->in_order;
        o->max_gap      = q->max_gap;
        o->timeout      = q->timeout;
}

void qos_from_ouro(const ouro_qosspec_t * o,
                   struct jour_qos *      q)
{
        int ordered = !o->in_order && (o->loss & OURO_LOSS_ORDERED) &&
                o->loss != UINT32_MAX;

        q->delay        = o->delay;
        q->bandwidth    = o->bandwidth;
        q->availability = o->availability;
        /* (in_order with OURO_LOSS_NORTX: what the last release asked.) */
        q->loss         = ordered ? o->loss & ~OURO_LOSS_ORDERED :
                (o->in_order && o->loss == OURO_LOSS_NORTX) ? 0 : o->loss;
        q->ber          = o->ber;
        q->in_order     = ordered ? 1 : o->in_order;
        q->max_gap      = o->max_gap;
        q->timeout      = o->timeout;
}

/* Ends an allocation: wakes the caller and OP_CONNECT. */
void alloc_done(struct sflow * f,
                int            result)
{
        uint64_t one = 1;

        pthread_mutex_lock(&f->lock);
        if (f->allocating) {
                f->result     = result;
                f->allocating = 0;
                pthread_cond_broadcast(&f->cond);
                if (f->evfd >= 0 && write(f->evfd, &one, sizeof(one)) < 0) {
                        /* An eventfd cannot be full after one write. */
                }
        }
        pthread_mutex_unlock(&f->lock);

        fsets_ready(f);
}

static void * alloc_thread(void * arg)
{
        struct sflow *  f = arg;
        int64_t         deadline = jour_deadline(ALLOC_TIMEO_NS);
        int             r = -EJOUR_WOKEN;
        int             tries;
        int             slow_eipcp = 0;

        (void) pthread_setname_np(pthread_self(), "jour-alloc");

        /* At most ALLOC_MAX flow_alloc calls at once. */
        while (sem_trywait(&alloc_sem) < 0) {
                if (atomic_load(&f->closing) || atomic_load(&syslib.exiting))
                        goto done;
                sleep_ns(5 * MS);
        }

        /* Our acceptor must not be in flow_accept meanwhile. */
        if (f->self)
                acceptor_wait_idle();

        for (tries = 0; tries < ALLOC_TRIES; ++tries) {
                struct timespec to = { ALLOC_TRY_S, 0 };
                int             dead;
                int64_t         t;

                if (atomic_load(&f->closing) || jour_remaining(deadline) == 0)
                        break;

                /* flow_alloc prints to stdout when the IRMd is gone. */
                if (irmd_gone()) {
                        r = -EIRMD;
                        break;
                }

                qos_to_ouro(&f->asked, &f->qs);
                t = jour_now_ns();
                r = o_alloc(f->name, &f->qs, &to);
                /*
                 * An allocation that meets the end of the server's accept
                 * slice fails at once, with nothing left allocated: the
                 * IRMd had picked the pending accept, which then timed
                 * out and was destroyed under it (flow_accept in its
                 * reg_wait_flow_accepted). Its answer: ETIMEDOUT, ECRYPT
                 * (it decodes the empty OAP answer), EBADF, or EIPCP (its
                 * "not found" -1 reads as EPERM, and it tries an IPCP).
                 * A real ETIMEDOUT or EIPCP comes after it waited for an
                 * acceptor: those are tried again when quicker than
                 * ALLOC_QUICK. A real ECRYPT or EBADF (a configuration
                 * the IRMd refuses) comes again, while a race's may come
                 * late (the IRMd may first wait its second for a busy
                 * acceptor), and the shared pending accept (above) gives
                 * ECRYPT too: a CI run on Temurin 25 failed an allocation
                 * of 1,000 at once with it. Those are always tried again:
                 * ALLOC_TRIES in all.
                 */
                if (r == -ECRYPT || r == -EBADF)
                        continue;
                /*
                 * The IRMd gave us a process that died in flow_accept
                 * before the IRMd saw it die (see o_setup below), and
                 * flow_init could not open the dead process's ring:
                 * ENOMEM, nothing allocated here. Once in a CI run of
                 * LoadShareTest (a sharer killed, then 20 allocations).
                 * The next try goes to a live acceptor.
                 */
                if (r == -ENOMEM)
                        continue;
                if ((r == -ETIMEDOUT || r == -EIPCP) &&
                    jour_now_ns() - t < ALLOC_QUICK)
                        continue;
                /*
                 * The IRMd allocates directly to a local server only if
                 * one waits in flow_accept within IRMD_REQ_ARR_TIMEOUT
                 * (a second); else it asks the layers, where a name bound
                 * to a process only is not registered: EIPCP, "name
                 * unreachable", for a server just starting, or busy
                 * closing flows (its accept slices wait for deallocations,
                 * see flow_ids in system_lib.c), or one that 1,000
                 * allocations at once keep busy (the IRMd matches them to
                 * its accepts one by one): 2 of 1,000 in a run, 7 once,
                 * and once the same allocation twice. Asked again, up to
                 * SLOW_EIPCP_TRIES in all: a second each.
                 */
                if (r == -EIPCP && ++slow_eipcp < SLOW_EIPCP_TRIES)
                        continue;
                if (r < 0)
                        break;

                dead = o_setup(f, r);
                if (!dead)
                        break;

                /* The IRMd gave us a process that died accepting: again. */
                if (f->pidfd >= 0)
                        close(f->pidfd);
                f->pidfd = -1;
                (void) o_dealloc(r);
                r = -ETIMEDOUT;
        }

        sem_post(&alloc_sem);
 done:
        if (f->self)
                acceptor_self_done();

        if (r >= 0) {
                watch(f);
                __atomic_store_n(&f->fd, r, __ATOMIC_RELEASE);
        }

        alloc_done(f, r < 0 ? r : 0);

        /* Drop the thread's ownership; the last owner deallocates. */
        pthread_mutex_lock(&f->lock);
        r = --f->owners == 0;
        pthread_mutex_unlock(&f->lock);
        if (r)
                o_release(f);

        return NULL;
}

int s_flow_alloc_start(const char *            name,
                       size_t                  len,
                       const struct jour_qos * qs,
                       void **                 lf)
{
        struct sflow * f;
        int            ret;
        int            route;

        f = sflow_new(SF_OURO, -1);
        if (f == NULL)
                return -ENOMEM;

        f->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (f->evfd < 0) {
                ret = -errno;
                sflow_free(f);
                return ret;
        }

        memcpy(f->name, name, len);
        f->name[len]  = '\0';
        f->len        = len;
        f->asked      = *qs;
        f->allocating = 1;
        f->grace      = 1;
        f->t0         = jour_now_ns();
        atomic_store(&f->finished, 0);

        route = acceptor_route(f, qs);
        if (route < 0) {
                sflow_free(f);
                return route;
        }

        if (route == ROUTE_LOOP) {
                *lf = f;
                return 0;
        }

        f->owners = 2;
        ret = start_detached(alloc_thread, f);
        if (ret != 0) {
                if (f->self)
                        acceptor_self_done();
                sflow_free(f);
                return ret;
        }

        *lf = f;

        return 0;
}

/*
 * Whether the IRMd knows no such name. name_unreg answers ENAME for a
 * missing name before anything else, and EIPCP for us (we are no IPCP):
 * a query without side effects (the IRMd logs an error line, though).
 */
static int name_missing(const char * name)
{
        return syslib.irm_unreg_name(name, getpid()) == -ENAME;
}

int s_flow_alloc_finish(void *            lf,
                        struct jour_qos * qs,
                        int64_t           timeo)
{
        struct sflow * f = lf;
        int64_t        deadline = jour_deadline(timeo);
        int            ret;

        pthread_mutex_lock(&f->lock);
        if (timeo == 0 && f->grace && f->kind == SF_OURO) {
                /*
                 * A non-blocking connect: a name nobody holds fails at
                 * once, as on the embedded layer, so let that error show
                 * (asking the IRMd whether the name exists if the answer
                 * is slow); a success is still reported as pending
                 * (OP_CONNECT is ready at once then).
                 */
                f->grace = 0;
                if (f->allocating)
                        cond_wait_ns(&f->cond, &f->lock, ALLOC_GRACE);
                if (f->allocating) {
                        int64_t t0 = jour_now_ns();
                        int     missing;
                        pthread_mutex_unlock(&f->lock);
                        missing = name_missing(f->name);
                        pthread_mutex_lock(&f->lock);
                        while (missing && f->allocating &&
                               !atomic_load(&f->closing) &&
                               jour_now_ns() - t0 < ALLOC_ENAME_NS)
                                cond_wait_ns(&f->cond, &f->lock, WAIT_CAP);
                }
                if (f->allocating || f->result >= 0) {
                        pthread_mutex_unlock(&f->lock);
                        return -EAGAIN;
                }
        }
        f->grace = 0;
        while (f->allocating && !atomic_load(&f->closing)) {
                int64_t rem = jour_remaining(deadline);

                if (f->kind == SF_LOOP &&
                    jour_now_ns() - f->t0 > LOOP_NOSRV_NS) {
                        pthread_mutex_unlock(&f->lock);
                        (void) loop_give_up(f);
                        pthread_mutex_lock(&f->lock);
                        if (!f->allocating)
                                break;
                }
                if (timeo == 0) {
                        pthread_mutex_unlock(&f->lock);
                        return -EAGAIN;
                }
                if (rem == 0) {
                        pthread_mutex_unlock(&f->lock);
                        return -ETIMEDOUT;
                }
                cond_wait_ns(&f->cond, &f->lock, step_of(rem, WAIT_CAP));
        }
        ret = f->allocating ? -EJOUR_WOKEN : f->result;
        pthread_mutex_unlock(&f->lock);

        if (ret < 0)
                return ret;

        atomic_store(&f->finished, 1);
        fsets_ready(f); /* a selector now sees a flow, not OP_CONNECT */
        if (f->kind == SF_LOOP) {
                *qs = f->asked;
                return 0;
        }

        /*
         * What flow_alloc wrote back: the flow's own qosspec, the one
         * fccntl(FLOWGQOSSPEC) reports and the acceptor gets (with
         * QOS_DISABLE_CRC, Ouroboros's default, ber = 1 whatever was asked).
         */
        qos_from_ouro(&f->qs, qs);

        return 0;
}

int s_flow_join(const char * layer,
                size_t       len,
                void **      lf)
{
        struct timespec to = { JOIN_TIMEO_S, 0 };
        struct sflow *  f;
        char            name[OURO_NAME_SIZE + 1];
        int             fd;

        memcpy(name, layer, len);
        name[len] = '\0';

        if (irmd_gone())
                return -EIRMD;

        fd = o_join(name, &to);
        if (fd < 0)
                return fd;

        f = sflow_new(SF_OURO, fd);
        if (f == NULL) {
                (void) o_dealloc(fd);
                return -ENOMEM;
        }

        f->bcast = 1;
        if (o_setup(f, fd))
                atomic_store(&f->down, 1);
        watch(f);

        *lf = f;

        return 0;
}
