/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The system layer's internal header: what crosses its files.
 *
 *   layer_system.c   the layer table, init, the index of defects
 *   system_lib.c     the libraries, the call gate, the IRMd probe, exit
 *   system_peek.c    reads of libouroboros-dev's private memory
 *   system_wait.c    monotonic waits, sleeps, detached threads
 *   system_sdu.c     SDUs we hold (queues, scatter, scratch buffer)
 *   system_flow.c    the flow object and flow I/O
 *   system_peer.c    the process at the other end (the monitor thread)
 *   system_dealloc.c deferred deallocation (dealloc threads)
 *   system_loop.c    loopback flows inside the process
 *   system_accept.c  the accepting side (the acceptor thread), binding
 *   system_alloc.c   allocation (alloc threads), join
 *   system_fset.c    flow sets: members, the Ouroboros set, its pump
 *   system_ready.c   flow sets: ready lists and waits (system_fset.h)
 *
 * Threads: the caller's; one acceptor (jour-accept), one monitor
 * (jour-monitor), one per allocation under way (jour-alloc), one per
 * Ouroboros flow being deallocated (jour-dealloc), all detached; and one
 * event pump per flow set that holds Ouroboros flows (jour-fset), joined
 * when the set is destroyed. All leave when syslib.exiting is set.
 *
 * LOCK ORDER (the twelve mutexes and the one rwlock of the layer). A
 * thread holding one of them takes only locks further down this list:
 *
 *    1. acceptor.bindlock  system_accept.c  bind/unbind with the IRMd
 *    2. sets_lock          system_fset.c    which sets hold which flow
 *    3. events_rw          system_lib.c     (rwlock, writers first) pumps
 *                                           hold it shared around fevent
 *                                           and their drain; o_dealloc of
 *                                           an in-order flow exclusive
 *                                           around flow_dealloc, holding
 *                                           nothing else of ours
 *    4. sfset.lock         system_fset.c    one flow set (one at a time)
 *    5. monitor.lock       system_peer.c    the watched flows
 *    6. acceptor.lock      system_accept.c  names, servers, accept queue
 *    7. lpair.lock         system_loop.c    one loopback pair
 *    8. sflow.txlock       system_flow.c    Ouroboros writes of a flow
 *    9. sflow.rxlock       system_flow.c    Ouroboros reads of a flow
 *   10. sflow.cryptlock    system_flow.c    an encrypted flow's cipher
 *                                           context: one flow_read or
 *                                           flow_write at a time (a leaf)
 *   11. sflow.lock         system_alloc.c   a flow's allocation state
 *   12. changes.lock       system_ready.c   ready lists, flows' set lists,
 *                                           the change counter (a leaf)
 *   13. flow_ids.lock      system_lib.c     allocations, accepts and joins
 *                                           never overlap deallocations
 *                                           (a leaf, held by no caller:
 *                                           the o_* calls that wait on it
 *                                           are made holding no lock)
 *
 * What may be done while holding them:
 *  - bindlock: the IRMd round trips of binding (irm_create_name,
 *    irm_bind_process, irm_unbind_process).
 *  - rxlock, txlock: one blocking library call of at most a slice
 *    (SLICE_NS); under txlock also a sleep of at most 10 ms; under
 *    rxlock also a wait of at most a slice on the flow's receive ring
 *    (o_rx_wait: its robust mutex and condition, in shared memory), and
 *    a spin on it (o_rx_spin) with a budget of at most 50 us (SPIN_MAX,
 *    spin.c), plus the yields in it.
 *  - cryptlock: one library call that does not wait (zero timeout).
 *  - every other lock: no blocking call (non-blocking library calls
 *    only), except a timed wait on the lock's own condition; and
 *    monitor.lock takes a flow's rxlock, after it woke the flow's
 *    reader (peer_died), so it waits for no slice, except where there
 *    is no kick (a flow Java has not seen allocated, the gate closed at
 *    exit, a ring our peek cannot find).
 *  - under rxlock, txlock or sflow.lock, no lock of another flow or
 *    pair is taken.
 *  - fsets_ready() and flow_down() take only changes.lock: they may be
 *    called under any of the others.
 *  - a flow set's pump drains its events under sfset.lock; destroying
 *    the set joins the pump holding no lock (at most one PUMP_SLICE).
 *  - events_rw: shared, one fevent of at most PUMP_SLICE and the drain;
 *    exclusive, one flow_dealloc (a tick of FRCT and a round trip to the
 *    IRMd), taken after the deallocation's turn on flow_ids (which waits
 *    for allocations, which never wait for a pump). quarantine.lock
 *    (system_lib.c) is a leaf taken holding nothing.
 */
#ifndef JOUR_SYSTEM_H
#define JOUR_SYSTEM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "clock.h"
#include "errors.h"
#include "layer.h"
#include "ouroboros_abi.h"
#include "spin.h"
#include "system_lib.h"

#define MS              (1000LL * 1000)
#define WAIT_CAP        (200 * MS)  /* condition waits, re-checked    */
#define TXQ_MARGIN      8           /* ring slots kept for FRCT/keepalives */
#define TXQ_MAX         (OURO_RBUFF_CAP - TXQ_MARGIN)
#define POOL_SHARE      4           /* a flow queues <= 1/4 of a pool class */
#define LOOP_MAX_SDUS   OURO_RBUFF_CAP
#define LOOP_MAX_BYTES  ((size_t) 16 << 20) /* like the 16 x 1 MiB pool */

/* ------------------------------------------------------ system_wait.c */

void    ts_of(int64_t ns, struct timespec * ts);
int     abs_after(int64_t ns, struct timespec * abs);
/* The length of one blocking step: the time left, at most cap. */
int64_t step_of(int64_t rem, int64_t cap);
int     cond_init(pthread_cond_t * c);
void    cond_wait_ns(pthread_cond_t * c, pthread_mutex_t * m, int64_t ns);
void    sleep_ns(int64_t ns);
int     start_detached(void * (*fn)(void *), void * arg);

/* ------------------------------------------------------- system_sdu.c */

struct sdu {
        struct sdu * next;
        size_t       len;
        uint8_t      data[];
};

/* A queue of SDUs; guarded by the lock of whoever holds it. */
struct sduq {
        struct sdu * head;
        struct sdu * tail;
        size_t       n;
        size_t       bytes;
        uint64_t     arrived;
};

int          sdu_init(void);
void         sdu_fini(void);
struct sdu * sdu_new(const void * buf, size_t len);
void         sduq_push(struct sduq * q, struct sdu * s);
struct sdu * sduq_pop(struct sduq * q);
void         sduq_clear(struct sduq * q);
void         scatter(struct iovec * iov, int iovcnt, const uint8_t * src,
                     size_t n);
uint8_t *    scratch(void);

/* ------------------------------------------------------ system_flow.c */

enum { SF_OURO = 0, SF_LOOP = 1 };

struct sfset;
struct lpair;

/*
 * A flow: an Ouroboros flow (SF_OURO) or one end of a loopback pair
 * (SF_LOOP). Fields without a guard below are set before the flow is
 * shared and never change.
 */
struct sflow {
        int              kind;
        int              fd;       /* Ouroboros fd, -1 until allocated;
                                      written once (release) by the
                                      alloc thread, read by sflow_fd()  */
        int              bcast;
        atomic_int       closing;  /* close: blocked calls end          */
        atomic_int       down;     /* the peer is gone (flow_down)      */
        atomic_int       finished; /* Java saw the allocation end       */
        /* Ouroboros reads (one at a time) and their timeout: rxlock. */
        pthread_mutex_t  rxlock;
        int64_t          rcvtimeo; /* rxlock                            */
        int              plain;    /* rxlock: no FRCT 1, FRCT 0, -1 ?   */
        struct spin      rxspin;   /* rxlock: the reads' spin budget    */
        /* Encrypted: one cipher context for both directions, so flow_read
           and flow_write never run at once (cryptlock, inside rxlock or
           txlock, outside the gate). enc: 1, 0, -1 until asked.        */
        pthread_mutex_t  cryptlock;
        atomic_int       enc;
        struct sduq      stash;    /* rxlock: read ahead (peer died)    */
        atomic_int       nstash;   /* stash.n, for readers without lock */
        atomic_int       stashing; /* SDUs taken, not yet in nstash      */
        atomic_uint      rxgen;    /* bumped by each read (stash, ring) */
        atomic_llong     probed;   /* last look for the peer, ns        */
        atomic_llong     heard;    /* last SDU read from the ring, ns   */
        /* Ouroboros writes (one at a time) and their timeout: txlock. */
        pthread_mutex_t  txlock;
        int64_t          sndtimeo; /* txlock                            */
        atomic_size_t    refused;  /* OP_WRITE: length of an EAGAIN write */
        /* The process at the other end, watched with a pidfd: set by
           the thread that makes the flow, before fd is published. */
        pid_t            peer;
        int              pidfd;
        int              watched;  /* monitor.lock: in its list         */
        struct sflow *   mnext;    /* monitor.lock                      */
        /* Loopback. */
        struct lpair *   lp;
        int              end;
        /* Allocation: lock guards allocating, result, owners, grace;
           qs is written by the alloc thread before allocating ends. */
        pthread_mutex_t  lock;
        pthread_cond_t   cond;
        int              allocating;
        int              result;
        int              owners;
        int              self;     /* Ouroboros alloc to our own name   */
        int              grace;    /* first finish not yet seen         */
        int64_t          t0;
        int              evfd;     /* signalled when allocation ends    */
        ouro_qosspec_t   qs;
        struct jour_qos  asked;
        char             name[OURO_NAME_SIZE + 1];
        size_t           len;
        /* Flow sets holding this flow, with its member in each: changed
           under sets_lock and changes.lock, read under either. */
        struct fset_ref * sets;
        size_t           nsets;
        size_t           capsets;
};

struct smember;

struct fset_ref {
        struct sfset *   s;
        struct smember * m;
};

struct sflow * sflow_new(int kind, int fd);
void           sflow_free(struct sflow * f);
int            sflow_fd(struct sflow * f);
/* Reads every queued SDU into the stash. Needs rxlock. */
void           drain_locked(struct sflow * f);
/* The peer is gone: marks f down, and its flow sets see it. */
void           flow_down(struct sflow * f);
/* Marks f's rings down (FLOWFDOWN) and wakes its blocked reads. */
void           o_mark_down(struct sflow * f);
/* The most SDUs of len bytes a flow may hold queued before one more. */
int            tx_cap(size_t len);

void    s_flow_wake(void * lf);
void    s_flow_dealloc(void * lf);
int     s_flow_is_down(void * lf);
ssize_t s_flow_read(void * lf, struct iovec * iov, int iovcnt,
                    int64_t timeo);
ssize_t s_flow_write(void * lf, const void * buf, size_t len,
                     int64_t timeo);
int     s_flow_queue_len(void * lf, int rx);
int64_t s_flow_arrived(void * lf);
size_t  s_flow_max_sdu(void * lf);

/* ------------------------------------------------------ system_peek.c */

void  peek_init(void * dev);
void  o_purge_tx(int fd);
pid_t o_peer_pid(int fd);
/* Before flow_read (inside the gate, rxlock held): drops SDUs the IRMd took back. */
int   o_rx_skip_reclaimed(const struct sflow * f);
/* Inside the gate: fd's receive ring is empty, its peer still there. */
int   o_rx_idle(int fd);
/* Inside the gate: spins until fd's receive ring holds an SDU or its end, or *stop. */
int   o_rx_spin(int fd, struct spin * s, const atomic_int * stop, int64_t deadline);
/* Inside the gate: fd has a cipher context 1, none 0, unknown -1. */
int   o_encrypted(int fd);
/* Inside the gate: waits up to ns for an SDU or the end in fd's receive ring. */
int   o_rx_wait(int fd, int64_t ns);
/* Inside the gate: wakes the waiters on fd's receive ring (close). */
void  o_rx_kick(int fd);
/* The same for every flow, at exit before the library's destructor. */
void  o_rx_skip_reclaimed_at_exit(void);

/* ------------------------------------------------------ system_peer.c */

int  pidfd_dead(int pfd);
void peer_died(struct sflow * f);
void watch(struct sflow * f);
void unwatch(struct sflow * f);
int  o_setup(struct sflow * f, int fd);

/* --------------------------------------------------- system_dealloc.c */

void o_release(struct sflow * f);
/*
 * At exit: waits up to max_ns for the deallocation threads under way, so
 * flows closed just before exit are deallocated with the IRMd (a flow
 * whose peer has not taken what we sent is still left to the library's
 * destructor, so the peer reads it).
 */
void dealloc_settle(int64_t max_ns);
void release_any(struct sflow * f);

/* ------------------------------------------------------ system_loop.c */

/* Both ends of a flow inside this process: lock guards all but cond. */
struct lpair {
        pthread_mutex_t lock;
        pthread_cond_t  cond;
        struct sduq     q[2];     /* q[i]: what end i reads           */
        int             gone[2];  /* end i deallocated                */
        struct sflow *  ends[2];  /* end i until it is released       */
        int             refs;
};

struct lpair * lpair_new(void);
void           l_release(struct sflow * f);
ssize_t        l_read(struct sflow * f, struct iovec * iov, int iovcnt,
                      int64_t timeo);
ssize_t        l_write(struct sflow * f, const void * buf, size_t len,
                       int64_t timeo);
void           l_wake(struct sflow * f);
int            l_is_down(struct sflow * f);
int            l_queue_len(struct sflow * f, int rx);
uint64_t       loop_arrived(struct sflow * f);
int            loop_abandoned(struct sflow * srv_end);
uint32_t       loop_events(struct sflow * f, int interest, uint64_t * seen,
                           int * down_seen);

/* ---------------------------------------------------- system_accept.c */

enum { ROUTE_IRMD = 0, ROUTE_LOOP = 1, ROUTE_SELF = 2 };

int  acceptor_init(void);
void acceptor_fini(void);
void acceptor_kick(void);
int  acceptor_route(struct sflow * f, const struct jour_qos * qs);
void acceptor_wait_idle(void);
void acceptor_self_done(void);
int  loop_give_up(struct sflow * f);
int  srv_ready(void * srv);

int  s_proc_bind(const char * name, size_t len);
int  s_proc_unbind(const char * name, size_t len);
int  s_srv_create(void ** srv);
int  s_srv_bind(void * srv, const char * name, size_t len);
int  s_srv_accept(void * srv, struct jour_qos * qs, int64_t timeo,
                  void ** lf);
void s_srv_wake(void * srv);
void s_srv_destroy(void * srv);

/* ----------------------------------------------------- system_alloc.c */

int  alloc_init(void);
void alloc_fini(void);
void qos_from_ouro(const ouro_qosspec_t * o, struct jour_qos * q);
void alloc_done(struct sflow * f, int result);

int  s_flow_alloc_start(const char * name, size_t len,
                        const struct jour_qos * qs, void ** lf);
int  s_flow_alloc_finish(void * lf, struct jour_qos * qs, int64_t timeo);
int  s_flow_join(const char * layer, size_t len, void ** lf);

/* ------------------------------------------------------ system_fset.c */

/* A flow being deallocated leaves every set. */
void fsets_forget(struct sflow * f);

int  s_fset_create(void ** fs);
void s_fset_destroy(void * fs);
int  s_fset_add(void * fs, void * obj, int is_srv, uint64_t tag,
                int interest);
int  s_fset_mod(void * fs, void * obj, int is_srv, uint64_t tag,
                int interest);
int  s_fset_del(void * fs, void * obj, int is_srv);

/* ----------------------------------------------------- system_ready.c */

int  fset_init(void);
/* Something changed that no flow names (accepting, wake-ups): waits look. */
void notify(void);
/* The readiness of f may have changed: its sets look at it again. */
void fsets_ready(struct sflow * f);

int  s_fset_wait(void * fs, struct jour_event * ev, int max, int64_t timeo);
void s_fset_wake(void * fs, int set);

#endif /* JOUR_SYSTEM_H */
