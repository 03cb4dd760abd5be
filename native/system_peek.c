/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Reads of libouroboros-dev's private memory, in this file only: its
 * flow table (to learn the process at the other end of a flow) and its
 * shared packet pool and rings (to take back packets a peer will never
 * read, and to leave alone those the IRMd took back). The layout is in
 * ouroboros_abi.h; it holds for 0.23 on x86_64.
 *
 * Checked before use: the "proc" symbol must be an object large enough
 * for the offsets we read (its ELF size), an fd must be inside the table,
 * and an entry is trusted only while the flow is allocated (id > 0) and
 * its near end is this process. Anything else reads as "unknown" and
 * the callers go on without it. Every read happens inside the gate, so
 * never under the library's destructor.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <signal.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "system.h"

static struct {
        uint8_t **             flows;    /* &proc.flows in the library */
        void **                pool;     /* &proc.pool                 */
        ouro_ssm_rbuff_read_t  ssm_rbuff_read;
        ouro_ssm_pool_remove_t ssm_pool_remove;
        ouro_ssm_pool_get_t    ssm_pool_get;
} peek; /* written by peek_init (the layer's init), read-only after */

/*
 * Our pid, for flow_entry: asked on every read, and getpid() is a system
 * call (glibc keeps no cache). A child of fork() asks again.
 */
static _Atomic pid_t self_pid;
static pthread_once_t self_once = PTHREAD_ONCE_INIT;

static void self_refresh(void)
{
        atomic_store(&self_pid, getpid());
}

/* Without the fork handler, no cache (0): flow_entry asks each time. */
static void self_init(void)
{
        if (pthread_atfork(NULL, NULL, self_refresh) == 0)
                self_refresh();
}

/* Whether sym is a data object of at least size bytes. */
static int object_holds(void * sym,
                        size_t size)
{
        Dl_info           info;
        const ElfW(Sym) * es = NULL;

        if (dladdr1(sym, &info, (void **) &es, RTLD_DL_SYMENT) == 0 ||
            es == NULL)
                return 0;

        return ELF64_ST_TYPE(es->st_info) == STT_OBJECT &&
                es->st_size >= size;
}

void peek_init(void * dev)
{
        uint8_t * proc;
        size_t    need;

        memset(&peek, 0, sizeof(peek));
        (void) pthread_once(&self_once, self_init);

        need = (OURO_PROC_FLOWS_OFF > OURO_PROC_POOL_OFF ?
                OURO_PROC_FLOWS_OFF : OURO_PROC_POOL_OFF) + sizeof(void *);

        /* The flow table, to learn the process at the other end. */
        proc = dlsym(dev, "proc");
        if (proc != NULL && object_holds(proc, need)) {
                peek.flows = (uint8_t **) (proc + OURO_PROC_FLOWS_OFF);
                peek.pool  = (void **) (proc + OURO_PROC_POOL_OFF);
        }
        /* Optional: to take back packets a dead peer will never read. */
        *(void **) &peek.ssm_rbuff_read  = dlsym(dev, "ssm_rbuff_read");
        *(void **) &peek.ssm_pool_remove = dlsym(dev, "ssm_pool_remove");
        /* Optional: to leave alone packets the IRMd took back. */
        *(void **) &peek.ssm_pool_get    = dlsym(dev, "ssm_pool_get");
}

/*
 * The table entry of fd, NULL if there is none or it is not ours now.
 * Inside the gate.
 */
static const uint8_t * flow_entry(int fd)
{
        const uint8_t * fl;
        int             id;
        pid_t           n;
        pid_t           me;

        if (peek.flows == NULL || fd < 0 || fd >= OURO_PROG_MAX_FLOWS)
                return NULL;

        fl = __atomic_load_n(peek.flows, __ATOMIC_ACQUIRE);
        if (fl == NULL)
                return NULL;

        fl += (size_t) fd * OURO_FLOW_SIZE;
        memcpy(&id, fl + OURO_FLOW_ID_OFF, sizeof(id));
        memcpy(&n, fl + OURO_FLOW_NPID_OFF, sizeof(n));

        me = atomic_load(&self_pid);

        return id > 0 && n == (me != 0 ? me : getpid()) ? fl : NULL;
}

/*
 * Takes back the packets we queued for a peer that will never read them
 * (it died, or took nothing for LINGER_NS): flow_dealloc would wait for
 * them forever, and their blocks would stay taken in the shared pool
 * (the IRMd reclaims only the blocks of the process that died).
 */
void o_purge_tx(int fd)
{
        const uint8_t * fl;
        void *          rb;
        void *          pool;
        long            idx;

        if (peek.pool == NULL || peek.ssm_rbuff_read == NULL ||
            peek.ssm_pool_remove == NULL)
                return;

        if (gate_in() < 0)
                return;
        fl   = flow_entry(fd);
        pool = __atomic_load_n(peek.pool, __ATOMIC_ACQUIRE);
        if (fl != NULL && pool != NULL) {
                memcpy(&rb, fl + OURO_FLOW_TXRB_OFF, sizeof(rb));
                while (rb != NULL && (idx = peek.ssm_rbuff_read(rb)) >= 0)
                        (void) peek.ssm_pool_remove(pool, (unsigned long) idx);
        }
        gate_out();
}

/*
 * fd's receive ring, the parts of struct ssm_rbuff we use (pointers into
 * the ring's shared memory): head, tail, access flags, and the robust
 * mutex and condition of its waits.
 */
struct rx_ring {
        size_t *          head;
        size_t *          tail;
        size_t *          acl;
        pthread_mutex_t * mtx;
        pthread_cond_t *  add;
};

/* Inside the gate: fd's receive ring in r, 0; -1 when it cannot be found. */
static int rx_ring_of(int             fd,
                      struct rx_ring * r)
{
        const uint8_t * fl = flow_entry(fd);
        const uint8_t * rb = NULL;

        if (fl == NULL)
                return -1;

        memcpy(&rb, fl + OURO_FLOW_RXRB_OFF, sizeof(rb));
        if (rb == NULL)
                return -1;

        memcpy(&r->head, rb + OURO_RB_HEAD_OFF, sizeof(r->head));
        memcpy(&r->tail, rb + OURO_RB_TAIL_OFF, sizeof(r->tail));
        memcpy(&r->acl, rb + OURO_RB_ACL_OFF, sizeof(r->acl));
        memcpy(&r->mtx, rb + OURO_RB_MTX_OFF, sizeof(r->mtx));
        memcpy(&r->add, rb + OURO_RB_ADD_OFF, sizeof(r->add));

        return r->head == NULL || r->tail == NULL || r->acl == NULL ||
                r->mtx == NULL || r->add == NULL ? -1 : 0;
}

/* r holds no SDU and has no end marked in its access flags. */
static int rx_ring_idle(const struct rx_ring * r)
{
        return __atomic_load_n(r->head, __ATOMIC_ACQUIRE) ==
                __atomic_load_n(r->tail, __ATOMIC_ACQUIRE) &&
                !(__atomic_load_n(r->acl, __ATOMIC_SEQ_CST) &
                  (OURO_ACL_FLOWDOWN | OURO_ACL_FLOWPEER));
}

/*
 * Locks the ring's robust mutex: 0, held; 1, held but left inconsistent
 * by a process that died holding it (unlock it, wait on nothing); -1, not
 * held. Made consistent as Ouroboros does.
 */
static int rx_ring_lock(const struct rx_ring * r)
{
        int e = pthread_mutex_lock(r->mtx);

        if (e == EOWNERDEAD)
                return pthread_mutex_consistent(r->mtx) == 0 ? 0 : 1;

        return e == 0 ? 0 : -1;
}

/*
 * Inside the gate: 1 when fd's receive ring is empty and its peer still
 * there (no end marked in its access flags), read from the ring itself;
 * 0 when it holds an SDU, is ended, or cannot be told. A flow_read with a
 * zero timeout gives the same answer only after a sleep in the futex
 * with a deadline already past: a context switch for every empty look.
 * Only for flows without FRCT (whose reads may also come from its queue).
 */
int o_rx_idle(int fd)
{
        struct rx_ring r;

        if (rx_ring_of(fd, &r) < 0)
                return 0;

        return rx_ring_idle(&r);
}

struct rx_look {
        struct rx_ring     r;
        const atomic_int * stop;
};

static int rx_look_ready(void * arg)
{
        const struct rx_look * l = arg;

        return atomic_load_explicit(l->stop, memory_order_relaxed) ||
                !rx_ring_idle(&l->r);
}

/*
 * Inside the gate: spins (spin.c) until fd's receive ring holds an SDU or
 * has its end marked, or *stop is set (close): 1; 0 when s's budget or
 * the deadline ran out; -1 when the ring cannot be found. Reads the ring
 * as o_rx_idle does, takes nothing: the flow_read that follows does.
 * Only for flows without FRCT.
 */
int o_rx_spin(int                fd,
              struct spin *      s,
              const atomic_int * stop,
              int64_t            deadline)
{
        struct rx_look l;

        if (rx_ring_of(fd, &l.r) < 0)
                return -1;
        l.stop = stop;

        return spin_wait(s, rx_look_ready, &l, spin_one_cpu(), deadline);
}

/*
 * Inside the gate: 1 when fd has a cipher context (an encrypted flow), 0
 * when it has none, -1 when that cannot be told.
 */
int o_encrypted(int fd)
{
        const uint8_t * fl = flow_entry(fd);
        void *          crypt;

        if (fl == NULL)
                return -1;

        memcpy(&crypt, fl + OURO_FLOW_CRYPT_OFF, sizeof(crypt));

        return crypt != NULL;
}

/*
 * Inside the gate: waits up to ns until fd's receive ring holds an SDU or
 * has its end marked, on the ring's own condition, as ssm_rbuff_read_b
 * does, but takes nothing. 0 when a read will not wait, -ETIMEDOUT, -1
 * when the ring cannot be found or its mutex is unusable. The mutex is
 * robust: a process that died holding it leaves it to us, and we make it
 * consistent, as Ouroboros does.
 */
int o_rx_wait(int     fd,
              int64_t ns)
{
        struct rx_ring  r;
        struct timespec abs;
        int             ret = 0;
        int             l;

        if (rx_ring_of(fd, &r) < 0 || abs_after(ns, &abs) < 0)
                return -1;

        l = rx_ring_lock(&r);
        if (l != 0) {
                if (l > 0)
                        (void) pthread_mutex_unlock(r.mtx);
                return -1;
        }

        while (rx_ring_idle(&r)) {
                int e = pthread_cond_timedwait(r.add, r.mtx, &abs);
                if (e == EOWNERDEAD)
                        e = pthread_mutex_consistent(r.mtx) == 0 ? 0 : -1;
                if (e == ETIMEDOUT) {
                        ret = -ETIMEDOUT;
                        break;
                }
                if (e != 0) {
                        ret = -1;
                        break;
                }
        }

        (void) pthread_mutex_unlock(r.mtx);

        return ret;
}

/*
 * Inside the gate: wakes whoever waits on fd's receive ring (a blocked
 * flow_read, o_rx_wait) to look at its access flags again: o_mark_down
 * marks them down first (at close and at the peer's death), and
 * Ouroboros 0.23 wakes no one when they change. Under the ring's mutex, so a waiter that looked before
 * the change is asleep by then and is woken.
 */
void o_rx_kick(int fd)
{
        struct rx_ring r;

        if (rx_ring_of(fd, &r) < 0)
                return;

        if (rx_ring_lock(&r) < 0) {
                (void) pthread_cond_broadcast(r.add); /* unlocked: still a wake */
                return;
        }
        (void) pthread_cond_broadcast(r.add);
        (void) pthread_mutex_unlock(r.mtx);
}

/* The process at the other end of fd's rings, or -1 if unknown. */
pid_t o_peer_pid(int fd)
{
        const uint8_t * fl;
        pid_t           n1 = -1;

        if (gate_in() < 0)
                return -1;
        fl = flow_entry(fd);
        if (fl != NULL)
                memcpy(&n1, fl + OURO_FLOW_N1PID_OFF, sizeof(n1));
        gate_out();

        if (n1 <= 0 || n1 == getpid())
                return -1;

        return n1;
}

/* Whether process peer is gone: through its pidfd if there is one. */
static int gone(pid_t peer,
                int   pidfd)
{
        if (pidfd >= 0)
                return pidfd_dead(pidfd);

        return kill(peer, 0) < 0 && errno == ESRCH;
}

/*
 * Whether the IRMd took back the block of the next SDU in ring rb: it
 * holds no reference any more, or (peer > 0: a direct flow, whose blocks
 * the peer allocates) it now belongs to another process while the peer
 * is gone. Anything unexpected in the ring reads as "no": flow_read
 * decides.
 */
static int head_reclaimed(void *          pool,
                          const uint8_t * rb,
                          pid_t           peer,
                          int             pidfd)
{
        ssize_t *       base;
        size_t *        headp;
        size_t *        tailp;
        size_t          tail;
        ssize_t         off;
        const uint8_t * blk;
        pid_t           owner;

        memcpy(&base, rb + OURO_RB_BASE_OFF, sizeof(base));
        memcpy(&headp, rb + OURO_RB_HEAD_OFF, sizeof(headp));
        memcpy(&tailp, rb + OURO_RB_TAIL_OFF, sizeof(tailp));
        if (base == NULL || headp == NULL || tailp == NULL)
                return 0;

        tail = __atomic_load_n(tailp, __ATOMIC_ACQUIRE);
        if (tail >= OURO_RBUFF_SIZE ||
            __atomic_load_n(headp, __ATOMIC_ACQUIRE) == tail)
                return 0;

        off = __atomic_load_n(&base[tail], __ATOMIC_ACQUIRE);
        if (off <= 0)
                return 0;

        blk = peek.ssm_pool_get(pool, (unsigned long) off);
        if (blk == NULL)
                return 1;

        if (peer <= 0)
                return 0;

        memcpy(&owner, blk + OURO_SPB_PID_OFF, sizeof(owner));

        return owner != peer && gone(peer, pidfd);
}

/* Drops the SDUs at the head of fd's receive ring the IRMd took back. */
static int skip_reclaimed(int   fd,
                          pid_t peer,
                          int   pidfd)
{
        const uint8_t * fl;
        const uint8_t * rb = NULL;
        void *          pool;
        int             n = 0;

        fl   = flow_entry(fd);
        pool = __atomic_load_n(peek.pool, __ATOMIC_ACQUIRE);
        if (fl != NULL)
                memcpy(&rb, fl + OURO_FLOW_RXRB_OFF, sizeof(rb));
        while (rb != NULL && pool != NULL && n < OURO_RBUFF_SIZE &&
               head_reclaimed(pool, rb, peer, pidfd)) {
                if (peek.ssm_rbuff_read((void *) rb) < 0)
                        break;
                ++n;
        }

        return n;
}

static int skip_usable(void)
{
        return peek.pool != NULL && peek.ssm_rbuff_read != NULL &&
                peek.ssm_pool_get != NULL;
}

/*
 * Ouroboros 0.23 defect contained here: when a process dies without its
 * library telling the IRMd (kill -9, a crash), the IRMd frees every
 * block of the shared packet pool that process allocated and that is
 * still referenced (ssm_pool_reclaim_orphans, about a second later) -
 * the SDUs it sent that wait unread in our receive ring among them.
 * flow_read then takes such a block out of the ring and frees it a second
 * time (refcount 0 wraps; the block goes on the free list twice, or
 * loops on itself there), and from then on the pool hands one block to
 * two writers anywhere on the machine: readers get other flows' data
 * (seen: flow 0 of a process read the echo meant for its flow 41) or
 * their own SDUs overwritten. A block taken back and handed out again
 * would also be read as if it were ours.
 *
 * So before each flow_read, the SDUs at the head of f's receive ring
 * that the IRMd took back are dropped from the ring without being freed
 * (they are lost with their sender anyway). What remains is the window
 * between this look and flow_read's own, a few instructions against a
 * sweep every second; the SDUs an FRCT flow already holds for reordering
 * are not looked at. Called inside the gate (gate_in), with f's rxlock
 * held (the ring's only reader in this process). Returns how many were
 * dropped.
 */
int o_rx_skip_reclaimed(const struct sflow * f)
{
        if (!skip_usable())
                return 0;

        /* A broadcast flow's blocks come from the IPCP and its members. */
        return skip_reclaimed(f->fd, f->bcast ? -1 : f->peer, f->pidfd);
}

/*
 * At exit, after the last call left the library and before its
 * destructor, which reads what every flow still holds and frees it: the
 * same for every flow of the table, its peer being the process at the
 * other end of its rings.
 */
void o_rx_skip_reclaimed_at_exit(void)
{
        int fd;

        if (!skip_usable())
                return;

        for (fd = 0; fd < OURO_PROG_MAX_FLOWS; ++fd) {
                const uint8_t * fl = flow_entry(fd);
                pid_t           n1 = -1;

                if (fl == NULL)
                        continue;
                memcpy(&n1, fl + OURO_FLOW_N1PID_OFF, sizeof(n1));
                (void) skip_reclaimed(fd, n1 == getpid() ? -1 : n1, -1);
        }
}
