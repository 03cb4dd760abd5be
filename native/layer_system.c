/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The system layer: the real Ouroboros on the machine, through its
 * application library, opened with dlopen at run time and never linked.
 *
 * The defects of Ouroboros 0.23 are contained here, so Java sees the
 * embedded layer's semantics:
 *
 *  - libouroboros-dev calls exit(1) from a constructor when no IRMd
 *    answers: we probe the IRMd's socket before dlopen, and before every
 *    allocation (flow_alloc prints to stdout when the IRMd is gone).
 *  - A flow from a process to a name it accepts on itself never works: the
 *    IRMd names both ring buffers of a direct flow (pid, flow id), the
 *    second create fails, and its failure path frees the first ring twice
 *    (heap corruption: the IRMd dies later, at some unrelated malloc). We
 *    never send such an allocation to the IRMd: a flow to a name this
 *    process serves is connected inside the process (a loopback pair with
 *    the same semantics), and an allocation to a name we are bound to
 *    while we are not accepting keeps our acceptor off meanwhile.
 *  - Names that bind_process creates implicitly balance "spillover" (all
 *    flows to the last acceptor): we create them round-robin first.
 *  - A read into a buffer smaller than the SDU drops the rest, and a read
 *    that exactly fills the buffer is followed by a fake empty read: we
 *    always read into a buffer one byte larger than the largest SDU
 *    (flow.c keeps what the caller's buffer cannot take).
 *  - fccntl(FLOWSFLAGS) clears the "peer gone" state of both rings and
 *    sends the peer a FLOW_UP event: we never call it; non-blocking calls
 *    use a zero timeout instead of FLOWFRNOBLOCK/FLOWFWNOBLOCK.
 *  - flow_write reports success when its ring is full (non-blocking, or a
 *    timeout) or the peer is gone, and drops the SDU: we never write into
 *    a full ring (we wait or say EAGAIN), and look for the peer first.
 *  - A blocked flow_read or flow_accept is never woken by a deallocation:
 *    we block in slices and check for close between them.
 *  - flow_alloc cannot be interrupted: it runs on its own thread (at most
 *    ALLOC_MAX at once), and the caller waits on a condition that close
 *    also signals.
 *  - A killed peer is never reported (only FRCT keepalives notice, after
 *    the QoS timeout), and the IRMd hands flows to a process that died
 *    while it waited in flow_accept: we learn the process at the other end
 *    of each flow (read from the library's flow table, see
 *    ouroboros_abi.h), watch it with a pidfd, retry an allocation that
 *    landed on a dead process, and see a death at once. When it dies we
 *    copy what it sent out of the shared pool at once: within a second
 *    the IRMd puts the packet buffers of a dead process back on the free
 *    lists, queued or not, and a later read frees them a second time (the
 *    pool's free lists break, and blocks are lost for everyone).
 *  - flow_dealloc blocks forever while SDUs we sent stay unread at a peer
 *    that is gone, and frees only one of the SDUs we did not read (the
 *    rest stay taken in the shared pool): it runs on a detached thread
 *    that first reads everything, then waits until the peer has taken
 *    what we sent, and takes it back (out of the shared ring) from a peer
 *    that died or took nothing for LINGER_NS. The peer sees close() at
 *    once all the same: close sets FLOWFDOWN on our rings (the peer reads
 *    what is queued, then the end), since a selector may keep the flow
 *    allocated a while.
 *  - The library's destructor frees its state under threads still inside
 *    it (crash at exit): at exit we stop entering the library and wait for
 *    the threads inside; if some cannot leave, the process ends with
 *    _exit(status) instead of running that destructor.
 *  - fevent has no wake-up and counts nothing: the selector waits in
 *    slices, keeps its own level readiness and ignores keepalive events
 *    (a packet event with nothing queued).
 *  - flow_accept does not say which name a flow was for, so flows from
 *    other processes go to any server channel of this process; loopback
 *    flows go to a channel bound to their name.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "errors.h"
#include "layer.h"
#include "ouroboros_abi.h"

#define MS              (1000LL * 1000)
#define SLICE_NS        (50 * MS)   /* blocking reads and writes      */
#define FSET_SLICE      (10 * MS)   /* fevent without a wake-up       */
#define WAIT_CAP        (200 * MS)  /* condition waits, re-checked    */
#define ACCEPT_SLICE_MS 250         /* flow_accept of the acceptor    */
#define ALLOC_TRY_S     5           /* one flow_alloc                 */
#define ALLOC_TIMEO_NS  (30000 * MS) /* all tries of one allocation   */
#define ALLOC_TRIES     4
#define ALLOC_MAX       16          /* flow_alloc calls at once       */
#define ALLOC_GRACE     (5 * MS)    /* non-blocking connect: fast errors */
#define ALLOC_ENAME_NS  (2000 * MS) /* ...and for the ENAME of a name we know is missing */
#define LOOP_NOSRV_NS   (2000 * MS) /* loopback flow nobody can accept */
#define JOIN_TIMEO_S    10
#define IRMD_FRESH      (200 * MS)  /* an IRMd that answered is trusted */
#define LINGER_NS       (30000 * MS) /* close: a peer that takes nothing */
#define EXIT_WAIT_NS    (1000 * MS)
#define EXIT_DEALLOC_NS (500 * MS)  /* at exit: flows closed just before */
#define TXQ_MARGIN      8           /* ring slots kept for FRCT/keepalives */
#define TXQ_MAX         (OURO_RBUFF_CAP - TXQ_MARGIN)
#define LOOP_MAX_SDUS   OURO_RBUFF_CAP
#define LOOP_MAX_BYTES  ((size_t) 16 << 20) /* like the 16 x 1 MiB pool */

static struct {
        void *                  dev;
        void *                  irm;
        ouro_flow_alloc_t       flow_alloc;
        ouro_flow_accept_t      flow_accept;
        ouro_flow_join_t        flow_join;
        ouro_flow_dealloc_t     flow_dealloc;
        ouro_flow_write_t       flow_write;
        ouro_flow_read_t        flow_read;
        ouro_fccntl_t           fccntl;
        ouro_fset_create_t      fset_create;
        ouro_fset_destroy_t     fset_destroy;
        ouro_fqueue_create_t    fqueue_create;
        ouro_fqueue_destroy_t   fqueue_destroy;
        ouro_fset_add_t         fset_add;
        ouro_fset_del_t         fset_del;
        ouro_fqueue_next_t      fqueue_next;
        ouro_fqueue_type_t      fqueue_type;
        ouro_fevent_t           fevent;
        ouro_irm_bind_process_t irm_bind_process;
        ouro_irm_bind_process_t irm_unbind_process;
        ouro_irm_create_name_t  irm_create_name;
        ouro_irm_unreg_name_t   irm_unreg_name;
        uint8_t **              flows;    /* &proc.flows in the library */
        void **                 pool;     /* &proc.pool                 */
        ouro_ssm_rbuff_read_t   ssm_rbuff_read;
        ouro_ssm_pool_remove_t  ssm_pool_remove;
        char                    socket_path[108];
        atomic_int              exiting;
        atomic_int              inflight; /* threads inside the library */
        atomic_int              releasing; /* dealloc threads not done  */
        pthread_key_t           scratch;
        sem_t                   alloc_sem;
} S;

struct jour_layer jour_layer_system;

/* ------------------------------------------------------------ helpers */

int jour_irmd_alive(const char * path)
{
        struct sockaddr_un sa;
        int                fd;
        int                ret = 0;
        int                tries;

        if (path == NULL || path[0] == '\0')
                path = OURO_IRM_SOCKET;

        if (strlen(path) >= sizeof(sa.sun_path))
                return 0;

        memset(&sa, 0, sizeof(sa));
        sa.sun_family = AF_UNIX;
        strcpy(sa.sun_path, path);

        /*
         * Non-blocking: an IRMd that hangs with a full backlog makes a
         * blocking connect wait forever (EAGAIN here): that is no answer.
         */
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return 0;

        /* A busy IRMd (backlog full a moment) gets half a second. */
        for (tries = 0; tries < 50; ++tries) {
                ret = connect(fd, (struct sockaddr *) &sa, sizeof(sa)) == 0;
                if (ret || errno != EAGAIN)
                        break;
                (void) poll(NULL, 0, 10);
        }

        close(fd);

        return ret;
}

/*
 * Whether the IRMd is gone, asked before calls that print to stdout when
 * it is. A yes within the last IRMD_FRESH is trusted: each probe is a
 * connection the IRMd must accept (and logs as a failed read), and a
 * burst of allocations would be a burst of them.
 */
static int irmd_gone(void)
{
        static atomic_llong alive_at;
        int64_t             now = jour_now_ns();

        if (now - atomic_load(&alive_at) < IRMD_FRESH)
                return 0;

        if (!jour_irmd_alive(S.socket_path))
                return 1;

        atomic_store(&alive_at, now);

        return 0;
}

static void ts_of(int64_t ns,
                  struct timespec * ts)
{
        ts->tv_sec  = ns / 1000000000LL;
        ts->tv_nsec = ns % 1000000000LL;
}

/* The length of one blocking step: the time left, at most cap. */
static int64_t step_of(int64_t rem,
                       int64_t cap)
{
        return (rem < 0 || rem > cap) ? cap : rem;
}

static int cond_init(pthread_cond_t * c)
{
        pthread_condattr_t a;
        int                ret;

        if (pthread_condattr_init(&a) != 0)
                return -1;

        (void) pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
        ret = pthread_cond_init(c, &a);
        pthread_condattr_destroy(&a);

        return ret == 0 ? 0 : -1;
}

static void cond_wait_ns(pthread_cond_t *  c,
                         pthread_mutex_t * m,
                         int64_t           ns)
{
        struct timespec abs;

        clock_gettime(CLOCK_MONOTONIC, &abs);
        ns += abs.tv_nsec;
        abs.tv_sec  += ns / 1000000000LL;
        abs.tv_nsec  = ns % 1000000000LL;
        (void) pthread_cond_timedwait(c, m, &abs);
}

static void sleep_ns(int64_t ns)
{
        struct timespec ts;

        ts_of(ns, &ts);
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

static int start_detached(void * (*fn)(void *),
                          void * arg)
{
        pthread_attr_t attr;
        pthread_t      t;
        int            ret;

        if (pthread_attr_init(&attr) != 0)
                return -ENOMEM;

        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        ret = pthread_create(&t, &attr, fn, arg);
        pthread_attr_destroy(&attr);

        return -ret;
}

/* Per-thread buffer of the largest SDU plus one byte (see the header). */
static uint8_t * scratch(void)
{
        uint8_t * p = pthread_getspecific(S.scratch);

        if (p == NULL) {
                p = malloc(jour_layer_system.max_sdu + 1);
                if (p != NULL && pthread_setspecific(S.scratch, p) != 0) {
                        free(p);
                        p = NULL;
                }
        }

        return p;
}

/* Wakes every flow set waiting without fevent (loopback, accepting). */
static struct {
        pthread_mutex_t lock;
        pthread_cond_t  cond;
        uint64_t        gen;
} N = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void notify(void)
{
        pthread_mutex_lock(&N.lock);
        ++N.gen;
        pthread_cond_broadcast(&N.cond);
        pthread_mutex_unlock(&N.lock);
}

static uint64_t notify_gen(void)
{
        uint64_t g;

        pthread_mutex_lock(&N.lock);
        g = N.gen;
        pthread_mutex_unlock(&N.lock);

        return g;
}

/* ------------------------------------------------- calls into the library */

/*
 * Every call into libouroboros-dev passes this gate, so that at exit we
 * know when no thread is inside the library any more.
 */
static int gate_in(void)
{
        atomic_fetch_add(&S.inflight, 1);
        if (atomic_load(&S.exiting)) {
                atomic_fetch_sub(&S.inflight, 1);
                return -1;
        }

        return 0;
}

static void gate_out(void)
{
        atomic_fetch_sub(&S.inflight, 1);
}

static ssize_t o_read(int    fd,
                      void * buf,
                      size_t n)
{
        ssize_t r;

        if (gate_in() < 0)
                return -EIRMD;
        r = S.flow_read(fd, buf, n);
        gate_out();

        return r;
}

static ssize_t o_write(int          fd,
                       const void * buf,
                       size_t       n)
{
        ssize_t r;

        if (gate_in() < 0)
                return -EIRMD;
        r = S.flow_write(fd, buf, n);
        gate_out();

        return r;
}

static int o_cntl(int    fd,
                  int    cmd,
                  void * arg)
{
        int r;

        if (gate_in() < 0)
                return -EIRMD;
        r = S.fccntl(fd, cmd, arg);
        gate_out();

        return r;
}

static int o_qlen(int fd,
                  int rx)
{
        size_t q = 0;
        int    r;

        r = o_cntl(fd, rx ? FLOWGRXQLEN : FLOWGTXQLEN, &q);
        if (r < 0)
                return r;

        return q > INT_MAX ? INT_MAX : (int) q;
}

static int o_dealloc(int fd)
{
        int r;

        if (gate_in() < 0)
                return -EIRMD;
        r = S.flow_dealloc(fd);
        gate_out();

        return r;
}

static int o_alloc(const char *            name,
                   ouro_qosspec_t *        qs,
                   const struct timespec * to)
{
        int r;

        if (gate_in() < 0)
                return -EIRMD;
        r = S.flow_alloc(name, qs, to);
        gate_out();

        return r;
}

static int o_accept(ouro_qosspec_t *        qs,
                    const struct timespec * to)
{
        int r;

        if (gate_in() < 0)
                return -EIRMD;
        r = S.flow_accept(qs, to);
        gate_out();

        return r;
}

/*
 * Takes back the packets we queued for a peer that will never read them
 * (it died, or took nothing for LINGER_NS): flow_dealloc would wait for
 * them forever, and their blocks would stay taken in the shared pool
 * (the IRMd reclaims only the blocks of the process that died).
 */
static void o_purge_tx(int fd)
{
        uint8_t * fl;
        void *    rb;
        void *    pool;
        int       id;
        pid_t     n;
        long      idx;

        if (S.flows == NULL || S.pool == NULL || S.ssm_rbuff_read == NULL ||
            S.ssm_pool_remove == NULL || fd < 0 || fd >= OURO_PROG_MAX_FLOWS)
                return;

        if (gate_in() < 0)
                return;
        fl   = __atomic_load_n(S.flows, __ATOMIC_ACQUIRE);
        pool = __atomic_load_n(S.pool, __ATOMIC_ACQUIRE);
        if (fl != NULL && pool != NULL) {
                fl += (size_t) fd * OURO_FLOW_SIZE;
                memcpy(&id, fl + OURO_FLOW_ID_OFF, sizeof(id));
                memcpy(&n, fl + OURO_FLOW_NPID_OFF, sizeof(n));
                memcpy(&rb, fl + OURO_FLOW_TXRB_OFF, sizeof(rb));
                if (id > 0 && n == getpid() && rb != NULL)
                        while ((idx = S.ssm_rbuff_read(rb)) >= 0)
                                (void) S.ssm_pool_remove(pool,
                                                         (unsigned long) idx);
        }
        gate_out();
}

/* The process at the other end of fd's rings, or -1 if unknown. */
static pid_t o_peer_pid(int fd)
{
        const uint8_t * fl;
        int             id;
        pid_t           n;
        pid_t           n1;

        if (S.flows == NULL || fd < 0 || fd >= OURO_PROG_MAX_FLOWS)
                return -1;

        if (gate_in() < 0)
                return -1;
        fl = __atomic_load_n(S.flows, __ATOMIC_ACQUIRE);
        if (fl != NULL) {
                fl += (size_t) fd * OURO_FLOW_SIZE;
                memcpy(&id, fl + OURO_FLOW_ID_OFF, sizeof(id));
                memcpy(&n, fl + OURO_FLOW_NPID_OFF, sizeof(n));
                memcpy(&n1, fl + OURO_FLOW_N1PID_OFF, sizeof(n1));
        }
        gate_out();

        if (fl == NULL || id <= 0 || n != getpid() || n1 <= 0 ||
            n1 == getpid())
                return -1;

        return n1;
}

static int pidfd_of(pid_t pid)
{
#ifdef SYS_pidfd_open
        int fd;

        if (pid <= 0)
                return -1;

        fd = (int) syscall(SYS_pidfd_open, pid, 0);
        if (fd >= 0)
                (void) fcntl(fd, F_SETFD, FD_CLOEXEC);

        return fd < 0 ? (errno == ESRCH ? -2 : -1) : fd;
#else
        (void) pid;
        return -1;
#endif
}

static int pidfd_dead(int pfd)
{
        struct pollfd p = { .fd = pfd, .events = POLLIN, .revents = 0 };

        return pfd >= 0 && poll(&p, 1, 0) == 1;
}

/* --------------------------------------------------------------- SDUs */

struct sdu {
        struct sdu * next;
        size_t       len;
        uint8_t      data[];
};

struct sduq {
        struct sdu * head;
        struct sdu * tail;
        size_t       n;
        size_t       bytes;
        uint64_t     arrived;
};

static struct sdu * sdu_new(const void * buf,
                            size_t       len)
{
        struct sdu * s = malloc(sizeof(*s) + len);

        if (s == NULL)
                return NULL;

        s->next = NULL;
        s->len  = len;
        memcpy(s->data, buf, len);

        return s;
}

static void sduq_push(struct sduq * q,
                      struct sdu *  s)
{
        s->next = NULL;
        if (q->tail != NULL)
                q->tail->next = s;
        else
                q->head = s;
        q->tail   = s;
        q->n     += 1;
        q->bytes += s->len;
        q->arrived++;
}

static struct sdu * sduq_pop(struct sduq * q)
{
        struct sdu * s = q->head;

        if (s == NULL)
                return NULL;

        q->head = s->next;
        if (q->head == NULL)
                q->tail = NULL;
        q->n     -= 1;
        q->bytes -= s->len;

        return s;
}

static void sduq_clear(struct sduq * q)
{
        struct sdu * s;

        while ((s = sduq_pop(q)) != NULL)
                free(s);
}

/* Copies an SDU into the caller's scatter list (buffer, then overflow). */
static void scatter(struct iovec *  iov,
                    int             iovcnt,
                    const uint8_t * src,
                    size_t          n)
{
        size_t head = iov[0].iov_len < n ? iov[0].iov_len : n;

        memcpy(iov[0].iov_base, src, head);
        if (n > head && iovcnt > 1)
                memcpy(iov[1].iov_base, src + head, n - head);
}

/* -------------------------------------------------------------- flows */

enum { SF_OURO = 0, SF_LOOP = 1 };

struct sfset;

/* Both ends of a flow inside this process. */
struct lpair {
        pthread_mutex_t lock;
        pthread_cond_t  cond;
        struct sduq     q[2];     /* q[i]: what end i reads           */
        int             gone[2];  /* end i deallocated                */
        struct sflow *  client;   /* end 0 until it is released       */
        int             refs;
};

struct sflow {
        int              kind;
        int              fd;       /* Ouroboros fd, -1 until allocated  */
        int              bcast;
        atomic_int       closing;  /* close: blocked calls end          */
        atomic_int       down;     /* the peer is gone                  */
        atomic_int       ready;    /* selector: a packet event seen     */
        atomic_int       finished; /* Java saw the allocation end       */
        /* Ouroboros reads (one at a time) and their timeout. */
        pthread_mutex_t  rxlock;
        int64_t          rcvtimeo;
        struct sduq      stash;    /* read ahead (the peer died)        */
        atomic_int       nstash;
        atomic_llong     probed;   /* last look for the peer, ns        */
        /* Ouroboros writes (one at a time) and their timeout. */
        pthread_mutex_t  txlock;
        int64_t          sndtimeo;
        /* The process at the other end, watched with a pidfd. */
        pid_t            peer;
        int              pidfd;
        int              watched;  /* in the monitor's list (M.lock)    */
        struct sflow *   mnext;
        /* Loopback. */
        struct lpair *   lp;
        int              end;
        /* Allocation. */
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
        /* Flow sets holding this flow (G.setlock). */
        struct sfset **  sets;
        size_t           nsets;
        size_t           capsets;
};

static int sflow_fd(struct sflow * f)
{
        return __atomic_load_n(&f->fd, __ATOMIC_ACQUIRE);
}

static void qos_to_ouro(const struct jour_qos * q,
                        ouro_qosspec_t *        o)
{
        memset(o, 0, sizeof(*o));
        o->delay        = q->delay;
        o->bandwidth    = q->bandwidth;
        o->availability = q->availability;
        o->loss         = q->loss;
        o->ber          = q->ber;
        o->in_order     = q->in_order;
        o->max_gap      = q->max_gap;
        o->timeout      = q->timeout;
}

static void qos_from_ouro(const ouro_qosspec_t * o,
                          struct jour_qos *      q)
{
        q->delay        = o->delay;
        q->bandwidth    = o->bandwidth;
        q->availability = o->availability;
        q->loss         = o->loss;
        q->ber          = o->ber;
        q->in_order     = o->in_order;
        q->max_gap      = o->max_gap;
        q->timeout      = o->timeout;
}

static struct sflow * sflow_new(int kind,
                                int fd)
{
        struct sflow * f = calloc(1, sizeof(*f));

        if (f == NULL)
                return NULL;

        if (pthread_mutex_init(&f->lock, NULL) != 0)
                goto fail_lock;
        if (cond_init(&f->cond) != 0)
                goto fail_cond;
        if (pthread_mutex_init(&f->rxlock, NULL) != 0)
                goto fail_rx;
        if (pthread_mutex_init(&f->txlock, NULL) != 0)
                goto fail_tx;

        f->kind     = kind;
        f->fd       = fd;
        f->evfd     = -1;
        f->pidfd    = -1;
        f->peer     = -1;
        f->owners   = 1;
        f->rcvtimeo = -2; /* unknown: set on first use */
        f->sndtimeo = -2;
        atomic_init(&f->finished, 1);

        return f;

 fail_tx:
        pthread_mutex_destroy(&f->rxlock);
 fail_rx:
        pthread_cond_destroy(&f->cond);
 fail_cond:
        pthread_mutex_destroy(&f->lock);
 fail_lock:
        free(f);
        return NULL;
}

static void sflow_free(struct sflow * f)
{
        if (f->evfd >= 0)
                close(f->evfd);
        if (f->pidfd >= 0)
                close(f->pidfd);
        sduq_clear(&f->stash);
        free(f->sets);
        pthread_mutex_destroy(&f->txlock);
        pthread_mutex_destroy(&f->rxlock);
        pthread_cond_destroy(&f->cond);
        pthread_mutex_destroy(&f->lock);
        free(f);
}

/* Ends an allocation: wakes the caller and OP_CONNECT. */
static void alloc_done(struct sflow * f,
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

        notify();
}

/* ------------------------------------------- Ouroboros flows: the peer */

/*
 * The monitor: one thread, one epoll set of the pidfds of the processes
 * at the other end of our flows. When one dies, its flows are read out
 * (before the IRMd reclaims the packet buffers) and marked down.
 */
static struct {
        pthread_mutex_t lock;
        int             epfd;
        int             running;
        struct sflow *  list;
} M = { .lock = PTHREAD_MUTEX_INITIALIZER, .epfd = -1 };

static int set_rcvtimeo(struct sflow * f,
                        int64_t        ns)
{
        struct timespec ts;
        int             ret;

        if (f->rcvtimeo == ns)
                return 0;

        ts_of(ns, &ts);
        ret = o_cntl(f->fd, FLOWSRCVTIMEO, &ts);
        if (ret < 0)
                return ret;

        f->rcvtimeo = ns;

        return 0;
}

static int set_sndtimeo(struct sflow * f,
                        int64_t        ns)
{
        struct timespec ts;
        int             ret;

        if (f->sndtimeo == ns)
                return 0;

        ts_of(ns, &ts);
        ret = o_cntl(f->fd, FLOWSSNDTIMEO, &ts);
        if (ret < 0)
                return ret;

        f->sndtimeo = ns;

        return 0;
}

static int is_gone(ssize_t n)
{
        return n == -EFLOWDOWN || n == -EFLOWPEER || n == -ENOTALLOC;
}

/* Reads every queued SDU into the stash. Needs rxlock. */
static void drain_locked(struct sflow * f)
{
        uint8_t * buf = scratch();
        ssize_t   n;

        if (buf == NULL || set_rcvtimeo(f, 0) < 0)
                return;

        for (;;) {
                struct sdu * s;

                n = o_read(f->fd, buf, jour_layer_system.max_sdu + 1);
                if (n < 0)
                        break;
                if (n == 0)
                        continue;
                s = sdu_new(buf, (size_t) n);
                if (s == NULL)
                        break;
                sduq_push(&f->stash, s);
                atomic_fetch_add(&f->nstash, 1);
        }

        if (is_gone(n))
                atomic_store(&f->down, 1);
}

static void peer_died(struct sflow * f)
{
        pthread_mutex_lock(&f->rxlock);
        drain_locked(f);
        atomic_store(&f->down, 1);
        pthread_mutex_unlock(&f->rxlock);

        notify();
}

static void * monitor_thread(void * arg)
{
        (void) arg;

        (void) pthread_setname_np(pthread_self(), "jour-monitor");

        for (;;) {
                struct epoll_event ev[16];
                int                n;
                int                i;

                n = epoll_wait(M.epfd, ev, 16, 500);
                if (atomic_load(&S.exiting))
                        return NULL;
                if (n < 0) {
                        if (errno != EINTR)
                                sleep_ns(100 * MS);
                        continue;
                }

                pthread_mutex_lock(&M.lock);
                for (i = 0; i < n; ++i) {
                        struct sflow * f;
                        for (f = M.list; f != NULL; f = f->mnext)
                                if (f == ev[i].data.ptr)
                                        break;
                        if (f == NULL)
                                continue; /* untracked meanwhile */
                        (void) epoll_ctl(M.epfd, EPOLL_CTL_DEL, f->pidfd,
                                         NULL);
                        peer_died(f);
                }
                pthread_mutex_unlock(&M.lock);
        }

        return NULL;
}

static void watch(struct sflow * f)
{
        struct epoll_event ev;

        if (f->pidfd < 0)
                return;

        pthread_mutex_lock(&M.lock);
        if (!M.running) {
                M.epfd = epoll_create1(EPOLL_CLOEXEC);
                if (M.epfd >= 0 && start_detached(monitor_thread, NULL) == 0)
                        M.running = 1;
        }
        ev.events   = EPOLLIN;
        ev.data.ptr = f;
        if (M.running && epoll_ctl(M.epfd, EPOLL_CTL_ADD, f->pidfd, &ev) == 0) {
                f->mnext   = M.list;
                M.list     = f;
                f->watched = 1;
        }
        pthread_mutex_unlock(&M.lock);
}

static void unwatch(struct sflow * f)
{
        struct sflow ** pp;

        pthread_mutex_lock(&M.lock);
        if (f->watched) {
                (void) epoll_ctl(M.epfd, EPOLL_CTL_DEL, f->pidfd, NULL);
                for (pp = &M.list; *pp != NULL; pp = &(*pp)->mnext) {
                        if (*pp == f) {
                                *pp = f->mnext;
                                break;
                        }
                }
                f->watched = 0;
        }
        pthread_mutex_unlock(&M.lock);
}

/*
 * A new Ouroboros flow: learns the process at the other end. Returns 1 if
 * that process is already gone (the flow is dead on arrival).
 */
static int o_setup(struct sflow * f,
                   int            fd)
{
        f->peer  = o_peer_pid(fd);
        f->pidfd = pidfd_of(f->peer);
        if (f->pidfd == -2 || pidfd_dead(f->pidfd))
                return 1;

        return 0;
}

/* ------------------------------------------ Ouroboros flows: dealloc */

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

                if (atomic_load(&S.exiting)) {
                        sflow_free(f); /* the library's destructor will do */
                        atomic_fetch_sub(&S.releasing, 1);
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
                                atomic_fetch_sub(&S.releasing, 1);
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

        atomic_fetch_sub(&S.releasing, 1);

        return NULL;
}

static void o_release(struct sflow * f)
{
        if (f->fd < 0) {
                sflow_free(f);
                return;
        }

        atomic_fetch_add(&S.releasing, 1);
        if (start_detached(dealloc_thread, f) != 0) {
                /* No thread: better a leaked flow than a hang here. */
                atomic_fetch_sub(&S.releasing, 1);
                unwatch(f);
                sflow_free(f);
        }
}

/* --------------------------------------------------- loopback flows */

static struct lpair * lpair_new(void)
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

static void l_release(struct sflow * f)
{
        struct lpair * lp = f->lp;
        int            last;

        pthread_mutex_lock(&lp->lock);
        lp->gone[f->end] = 1;
        if (lp->client == f)
                lp->client = NULL;
        last = --lp->refs == 0;
        pthread_cond_broadcast(&lp->cond);
        pthread_mutex_unlock(&lp->lock);

        notify();

        if (last) {
                sduq_clear(&lp->q[0]);
                sduq_clear(&lp->q[1]);
                pthread_cond_destroy(&lp->cond);
                pthread_mutex_destroy(&lp->lock);
                free(lp);
        }

        sflow_free(f);
}

static ssize_t l_read(struct sflow * f,
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
        pthread_mutex_unlock(&lp->lock);

        if (was_full)
                notify(); /* OP_WRITE of the other end */

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

static ssize_t l_write(struct sflow * f,
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
        pthread_mutex_unlock(&lp->lock);

        notify();

        return (ssize_t) len;
}

/* ------------------------------------------------------ accepting side */

/* A name this process is bound to, with the number of its binders. */
struct bname {
        struct bname * next;
        int            refs;
        size_t         len;
        char           name[OURO_NAME_SIZE + 1];
};

struct ssrv {
        struct ssrv * next;
        atomic_int    closing;
        int           nnames;
        struct bname  names[32]; /* refs unused here */
};

/* A flow waiting for a server channel to take it. */
struct accepted {
        struct accepted * next;
        struct sflow *    f;
};

static struct {
        pthread_mutex_t   lock;
        pthread_cond_t    cond;
        pthread_mutex_t   bindlock;
        pthread_mutex_t   setlock;
        struct bname *    names;
        struct ssrv *     srvs;
        int               nsrv;      /* servers with a name           */
        int               self;      /* Ouroboros allocs to our names */
        int               running;   /* the acceptor thread started   */
        int               in_accept; /* it is inside flow_accept      */
        struct accepted * head;
        struct accepted * tail;
} G = {
        .lock     = PTHREAD_MUTEX_INITIALIZER,
        .bindlock = PTHREAD_MUTEX_INITIALIZER,
        .setlock  = PTHREAD_MUTEX_INITIALIZER,
};

/* Needs G.lock. */
static struct bname * bname_find(const char * name,
                                 size_t       len)
{
        struct bname * b;

        for (b = G.names; b != NULL; b = b->next)
                if (b->len == len && memcmp(b->name, name, len) == 0)
                        return b;

        return NULL;
}

static int srv_has(const struct ssrv * s,
                   const char *        name,
                   size_t              len)
{
        int i;

        for (i = 0; i < s->nnames; ++i)
                if (s->names[i].len == len &&
                    memcmp(s->names[i].name, name, len) == 0)
                        return 1;

        return 0;
}

/* Needs G.lock: whether a server channel of ours takes this name. */
static int any_srv_has(const char * name,
                       size_t       len)
{
        struct ssrv * s;

        for (s = G.srvs; s != NULL; s = s->next)
                if (!atomic_load(&s->closing) && srv_has(s, name, len))
                        return 1;

        return 0;
}

/* Needs G.lock. Whether the loopback flow's client gave up. */
static int loop_abandoned(struct sflow * srv_end)
{
        struct lpair * lp = srv_end->lp;
        int            gone;

        pthread_mutex_lock(&lp->lock);
        gone = lp->gone[0];
        pthread_mutex_unlock(&lp->lock);

        return gone;
}

static void release_any(struct sflow * f)
{
        if (f->kind == SF_LOOP)
                l_release(f);
        else
                o_release(f);
}

/* Needs G.lock: unlinks an item; returns its flow. */
static struct sflow * acc_unlink(struct accepted ** pp)
{
        struct accepted * a = *pp;
        struct sflow *    f = a->f;

        *pp = a->next;
        if (G.tail == a) {
                struct accepted * t;
                G.tail = NULL;
                for (t = G.head; t != NULL; t = t->next)
                        G.tail = t;
        }
        free(a);

        return f;
}

static int acc_push(struct sflow * f)
{
        struct accepted * a = malloc(sizeof(*a));

        if (a == NULL)
                return -ENOMEM;

        a->next = NULL;
        a->f    = f;
        if (G.tail != NULL)
                G.tail->next = a;
        else
                G.head = a;
        G.tail = a;

        pthread_cond_broadcast(&G.cond);

        return 0;
}

/*
 * Needs G.lock. Drops what no server channel can take any more: every
 * flow once the last one is gone, loopback flows whose name nobody takes
 * or whose client gave up. Their flows go to *out.
 */
static void acc_prune(struct sflow ** out,
                      size_t *        n,
                      size_t          max)
{
        struct accepted ** pp = &G.head;

        while (*pp != NULL && *n < max) {
                struct sflow * f = (*pp)->f;
                int            drop;

                drop = G.nsrv == 0 ||
                        (f->kind == SF_LOOP &&
                         (loop_abandoned(f) || !any_srv_has(f->name, f->len)));
                if (drop)
                        out[(*n)++] = acc_unlink(pp);
                else
                        pp = &(*pp)->next;
        }
}

/* Ends the allocations of dropped loopback flows and frees them all. */
static void release_dropped(struct sflow ** v,
                            size_t          n)
{
        size_t i;

        for (i = 0; i < n; ++i) {
                struct sflow * f = v[i];
                if (f->kind == SF_LOOP) {
                        struct lpair * lp = f->lp;
                        pthread_mutex_lock(&lp->lock);
                        if (lp->client != NULL)
                                alloc_done(lp->client, -EIPCP);
                        pthread_mutex_unlock(&lp->lock);
                }
                release_any(f);
        }
}

static void prune(void)
{
        struct sflow * v[64];
        size_t         n;

        do {
                n = 0;
                pthread_mutex_lock(&G.lock);
                acc_prune(v, &n, 64);
                pthread_mutex_unlock(&G.lock);
                release_dropped(v, n);
        } while (n == 64);
}

static void * accept_thread(void * arg)
{
        (void) arg;

        (void) pthread_setname_np(pthread_self(), "jour-accept");

        for (;;) {
                struct timespec to = { 0, ACCEPT_SLICE_MS * MS };
                ouro_qosspec_t  qs;
                struct sflow *  f;
                int             fd;
                int             keep;

                pthread_mutex_lock(&G.lock);
                while ((G.nsrv == 0 || G.self > 0) &&
                       !atomic_load(&S.exiting)) {
                        G.in_accept = 0;
                        pthread_cond_broadcast(&G.cond);
                        cond_wait_ns(&G.cond, &G.lock, WAIT_CAP);
                }
                G.in_accept = 1;
                pthread_mutex_unlock(&G.lock);

                if (atomic_load(&S.exiting))
                        break;

                memset(&qs, 0, sizeof(qs));
                fd = o_accept(&qs, &to);
                if (fd == -ETIMEDOUT)
                        continue;
                if (fd < 0) {
                        /* The IRMd is gone or refuses: do not spin. */
                        pthread_mutex_lock(&G.lock);
                        G.in_accept = 0;
                        pthread_cond_broadcast(&G.cond);
                        pthread_mutex_unlock(&G.lock);
                        sleep_ns(200 * MS);
                        continue;
                }

                f = sflow_new(SF_OURO, fd);
                if (f == NULL) {
                        (void) o_dealloc(fd);
                        continue;
                }
                qos_from_ouro(&qs, &f->asked);
                if (o_setup(f, fd))
                        atomic_store(&f->down, 1);
                watch(f);

                pthread_mutex_lock(&G.lock);
                keep = G.nsrv > 0 && acc_push(f) == 0;
                pthread_mutex_unlock(&G.lock);

                if (!keep)
                        o_release(f);
                else
                        notify();
        }

        pthread_mutex_lock(&G.lock);
        G.in_accept = 0;
        pthread_cond_broadcast(&G.cond);
        pthread_mutex_unlock(&G.lock);

        return NULL;
}

/* Needs G.lock. */
static int acceptor_start(void)
{
        int ret = 0;

        if (!G.running) {
                ret = start_detached(accept_thread, NULL);
                if (ret == 0)
                        G.running = 1;
        }

        pthread_cond_broadcast(&G.cond);

        return ret;
}

/* ------------------------------------------------------------ binding */

static int proc_bind(const char * name,
                     size_t       len)
{
        ouro_name_info_t info;
        struct bname *   b;
        int              ret = 0;

        pthread_mutex_lock(&G.bindlock);

        pthread_mutex_lock(&G.lock);
        b = bname_find(name, len);
        if (b != NULL)
                b->refs++;
        pthread_mutex_unlock(&G.lock);

        if (b != NULL) {
                pthread_mutex_unlock(&G.bindlock);
                return 0;
        }

        b = calloc(1, sizeof(*b));
        if (b == NULL) {
                pthread_mutex_unlock(&G.bindlock);
                return -ENOMEM;
        }
        memcpy(b->name, name, len);
        b->len  = len;
        b->refs = 1;

        /* bind_process would create it balancing "spillover". */
        memset(&info, 0, sizeof(info));
        memcpy(info.name, name, len);
        info.pol_lb = OURO_LB_RR;
        (void) S.irm_create_name(&info);

        ret = S.irm_bind_process(getpid(), b->name);
        if (ret < 0) {
                free(b);
                pthread_mutex_unlock(&G.bindlock);
                return ret == -1 ? -EIRMD : ret;
        }

        pthread_mutex_lock(&G.lock);
        b->next = G.names;
        G.names = b;
        pthread_mutex_unlock(&G.lock);

        pthread_mutex_unlock(&G.bindlock);

        return 0;
}

static int proc_unbind(const char * name,
                       size_t       len)
{
        struct bname ** pp;
        struct bname *  b = NULL;
        char            n[OURO_NAME_SIZE + 1];
        int             ret = 0;

        pthread_mutex_lock(&G.bindlock);

        pthread_mutex_lock(&G.lock);
        for (pp = &G.names; *pp != NULL; pp = &(*pp)->next) {
                if ((*pp)->len == len && memcmp((*pp)->name, name, len) == 0) {
                        b = *pp;
                        if (--b->refs == 0)
                                *pp = b->next;
                        break;
                }
        }
        pthread_mutex_unlock(&G.lock);

        if (b == NULL || b->refs == 0) {
                memcpy(n, name, len);
                n[len] = '\0';
                ret = S.irm_unbind_process(getpid(), n);
                if (ret == -1)
                        ret = -ENAME;
                if (b != NULL)
                        ret = 0; /* it was ours */
                free(b);
        }

        pthread_mutex_unlock(&G.bindlock);

        prune();

        return ret < 0 ? ret : 0;
}

static int s_proc_bind(const char * name,
                       size_t       len)
{
        return proc_bind(name, len);
}

static int s_proc_unbind(const char * name,
                         size_t       len)
{
        return proc_unbind(name, len);
}

static int s_srv_create(void ** srv)
{
        struct ssrv * s = calloc(1, sizeof(*s));

        if (s == NULL)
                return -ENOMEM;

        pthread_mutex_lock(&G.lock);
        s->next = G.srvs;
        G.srvs  = s;
        pthread_mutex_unlock(&G.lock);

        *srv = s;

        return 0;
}

static int s_srv_bind(void *       srv,
                      const char * name,
                      size_t       len)
{
        struct ssrv * s = srv;
        int           ret;

        pthread_mutex_lock(&G.lock);
        ret = srv_has(s, name, len);
        pthread_mutex_unlock(&G.lock);
        if (ret)
                return 0;

        if (s->nnames == (int) (sizeof(s->names) / sizeof(s->names[0])))
                return -ENOSPC;

        ret = proc_bind(name, len);
        if (ret < 0)
                return ret;

        pthread_mutex_lock(&G.lock);
        memcpy(s->names[s->nnames].name, name, len);
        s->names[s->nnames].len = len;
        if (s->nnames++ == 0)
                G.nsrv++;
        ret = acceptor_start();
        pthread_mutex_unlock(&G.lock);

        return ret;
}

static int s_srv_accept(void *            srv,
                        struct jour_qos * qs,
                        int64_t           timeo,
                        void **           lf)
{
        struct ssrv *  s = srv;
        int64_t        deadline = jour_deadline(timeo);
        struct sflow * f = NULL;
        struct sflow * drop[16];
        size_t         ndrop = 0;

        pthread_mutex_lock(&G.lock);
        if (s->nnames == 0) {
                pthread_mutex_unlock(&G.lock);
                return -ENAME;
        }

        for (;;) {
                struct accepted ** pp;
                int64_t            rem;

                if (atomic_load(&s->closing)) {
                        pthread_mutex_unlock(&G.lock);
                        release_dropped(drop, ndrop);
                        return -EJOUR_WOKEN;
                }

                for (pp = &G.head; *pp != NULL; ) {
                        struct sflow * c = (*pp)->f;
                        if (c->kind == SF_LOOP && loop_abandoned(c)) {
                                if (ndrop == 16)
                                        break;
                                drop[ndrop++] = acc_unlink(pp);
                                continue;
                        }
                        if (c->kind == SF_OURO || srv_has(s, c->name, c->len))
                                break;
                        pp = &(*pp)->next;
                }

                if (*pp != NULL && ndrop < 16) {
                        f = acc_unlink(pp);
                        break;
                }

                if (ndrop > 0) {
                        /* Free outside the lock, then look again. */
                        pthread_mutex_unlock(&G.lock);
                        release_dropped(drop, ndrop);
                        ndrop = 0;
                        pthread_mutex_lock(&G.lock);
                        continue;
                }

                if (timeo == 0) {
                        pthread_mutex_unlock(&G.lock);
                        return -EAGAIN;
                }

                rem = jour_remaining(deadline);
                if (rem == 0) {
                        pthread_mutex_unlock(&G.lock);
                        return -ETIMEDOUT;
                }

                cond_wait_ns(&G.cond, &G.lock, step_of(rem, WAIT_CAP));
        }
        pthread_mutex_unlock(&G.lock);

        release_dropped(drop, ndrop);

        if (f->kind == SF_LOOP) {
                struct lpair * lp = f->lp;
                int            ok;

                /* The client's connect completes now, if it still waits. */
                pthread_mutex_lock(&lp->lock);
                ok = !lp->gone[0] && lp->client != NULL;
                if (ok)
                        alloc_done(lp->client, 0);
                pthread_mutex_unlock(&lp->lock);
                if (!ok) {
                        l_release(f);
                        return timeo == 0 ? -EAGAIN : -ETIMEDOUT;
                }
        }

        *qs = f->asked;
        *lf = f;

        notify();

        return 0;
}

static void s_srv_wake(void * srv)
{
        struct ssrv * s = srv;

        pthread_mutex_lock(&G.lock);
        atomic_store(&s->closing, 1);
        pthread_cond_broadcast(&G.cond);
        pthread_mutex_unlock(&G.lock);
}

static void s_srv_destroy(void * srv)
{
        struct ssrv *  s = srv;
        struct ssrv ** pp;
        int            i;

        pthread_mutex_lock(&G.lock);
        atomic_store(&s->closing, 1);
        for (pp = &G.srvs; *pp != NULL; pp = &(*pp)->next) {
                if (*pp == s) {
                        *pp = s->next;
                        break;
                }
        }
        if (s->nnames > 0)
                G.nsrv--;
        pthread_cond_broadcast(&G.cond);
        pthread_mutex_unlock(&G.lock);

        /* Closing the channel unbinds what it bound. */
        for (i = 0; i < s->nnames; ++i)
                (void) proc_unbind(s->names[i].name, s->names[i].len);

        prune();

        free(s);
}

static int s_srv_fd(void * srv)
{
        (void) srv;

        return -1;
}

/* Needs G.lock: whether a flow waits that this server channel takes. */
static int srv_ready(struct ssrv * s)
{
        struct accepted * a;

        for (a = G.head; a != NULL; a = a->next)
                if (a->f->kind == SF_OURO ||
                    (srv_has(s, a->f->name, a->f->len) &&
                     !loop_abandoned(a->f)))
                        return 1;

        return 0;
}

/* ------------------------------------------------------ flows: alloc */

static void * alloc_thread(void * arg)
{
        struct sflow *  f = arg;
        int64_t         deadline = jour_deadline(ALLOC_TIMEO_NS);
        int             r = -EJOUR_WOKEN;
        int             tries;

        (void) pthread_setname_np(pthread_self(), "jour-alloc");

        /* At most ALLOC_MAX flow_alloc calls at once. */
        while (sem_trywait(&S.alloc_sem) < 0) {
                if (atomic_load(&f->closing) || atomic_load(&S.exiting))
                        goto done;
                sleep_ns(5 * MS);
        }

        if (f->self) {
                /* Our acceptor must not be in flow_accept meanwhile. */
                pthread_mutex_lock(&G.lock);
                while (G.in_accept && !atomic_load(&S.exiting))
                        cond_wait_ns(&G.cond, &G.lock, WAIT_CAP);
                pthread_mutex_unlock(&G.lock);
        }

        for (tries = 0; tries < ALLOC_TRIES; ++tries) {
                struct timespec to = { ALLOC_TRY_S, 0 };
                int             dead;

                if (atomic_load(&f->closing) || jour_remaining(deadline) == 0)
                        break;

                /* flow_alloc prints to stdout when the IRMd is gone. */
                if (irmd_gone()) {
                        r = -EIRMD;
                        break;
                }

                qos_to_ouro(&f->asked, &f->qs);
                r = o_alloc(f->name, &f->qs, &to);
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

        sem_post(&S.alloc_sem);
 done:
        if (f->self) {
                pthread_mutex_lock(&G.lock);
                G.self--;
                pthread_cond_broadcast(&G.cond);
                pthread_mutex_unlock(&G.lock);
        }

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

static int s_flow_alloc_start(const char *            name,
                              size_t                  len,
                              const struct jour_qos * qs,
                              void **                 lf)
{
        struct sflow * f;
        struct sflow * srv = NULL;
        struct lpair * lp = NULL;
        int            ret;
        int            loop;

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

        pthread_mutex_lock(&G.lock);
        loop = bname_find(name, len) != NULL && G.nsrv > 0;
        if (loop) {
                /* Our own name, and we accept: never ask the IRMd. */
                lp  = lpair_new();
                srv = sflow_new(SF_LOOP, -1);
                if (lp == NULL || srv == NULL) {
                        pthread_mutex_unlock(&G.lock);
                        if (srv != NULL)
                                sflow_free(srv);
                        free(lp);
                        sflow_free(f);
                        return -ENOMEM;
                }
                f->kind     = SF_LOOP;
                f->lp       = lp;
                f->end      = 0;
                lp->client  = f;
                srv->lp     = lp;
                srv->end    = 1;
                srv->asked  = *qs;
                srv->len    = len;
                memcpy(srv->name, name, len);
                if (acc_push(srv) < 0) {
                        pthread_mutex_unlock(&G.lock);
                        sflow_free(srv);
                        free(lp);
                        sflow_free(f);
                        return -ENOMEM;
                }
        } else if (bname_find(name, len) != NULL) {
                /* Bound, not accepting: keep our acceptor off. */
                f->self = 1;
                G.self++;
        }
        pthread_mutex_unlock(&G.lock);

        if (loop) {
                notify();
                *lf = f;
                return 0;
        }

        f->owners = 2;
        ret = start_detached(alloc_thread, f);
        if (ret != 0) {
                if (f->self) {
                        pthread_mutex_lock(&G.lock);
                        G.self--;
                        pthread_cond_broadcast(&G.cond);
                        pthread_mutex_unlock(&G.lock);
                }
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
        return S.irm_unreg_name(name, getpid()) == -ENAME;
}

/* A loopback connect nobody can take: gives up as the IRMd would. */
static int loop_give_up(struct sflow * f)
{
        struct accepted ** pp;
        struct sflow *     srv = NULL;

        pthread_mutex_lock(&G.lock);
        if (!any_srv_has(f->name, f->len)) {
                for (pp = &G.head; *pp != NULL; pp = &(*pp)->next) {
                        if ((*pp)->f->lp == f->lp) {
                                srv = acc_unlink(pp);
                                break;
                        }
                }
        }
        pthread_mutex_unlock(&G.lock);

        if (srv == NULL)
                return 0;

        l_release(srv);
        alloc_done(f, -EIPCP);

        return 1;
}

static int s_flow_alloc_finish(void *            lf,
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
        if (f->kind == SF_LOOP) {
                *qs = f->asked;
                return 0;
        }

        qos_from_ouro(&f->qs, qs);
        /* Ouroboros overwrites ber (CRC is off); report what was asked. */
        qs->ber = f->asked.ber;

        return 0;
}

static int s_flow_join(const char * layer,
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

        if (gate_in() < 0)
                return -EIRMD;
        fd = S.flow_join(name, &to);
        gate_out();
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

/* ------------------------------------------------- flows: operations */

static void fsets_forget(struct sflow * f);

/*
 * close(): blocked calls end, and the peer sees the end at once, even if
 * a selector keeps the flow registered (and so allocated) a while longer.
 */
static void s_flow_wake(void * lf)
{
        struct sflow * f = lf;

        atomic_store(&f->closing, 1);

        pthread_mutex_lock(&f->lock);
        pthread_cond_broadcast(&f->cond);
        pthread_mutex_unlock(&f->lock);

        if (f->kind == SF_LOOP) {
                pthread_mutex_lock(&f->lp->lock);
                f->lp->gone[f->end] = 1;
                pthread_cond_broadcast(&f->lp->cond);
                pthread_mutex_unlock(&f->lp->lock);
                notify();
        } else if (atomic_load(&f->finished) && sflow_fd(f) >= 0) {
                /*
                 * FLOWFDOWN marks both rings down: the peer reads what is
                 * queued, then the end, and gets a FLOW_DOWN event; our
                 * own blocked reads end too. (Safe beside other calls on
                 * the fd, unlike flow_dealloc.)
                 */
                uint32_t fl = FLOWFRDWR | FLOWFDOWN;
                if (gate_in() == 0) {
                        (void) S.fccntl(sflow_fd(f), FLOWSFLAGS, fl);
                        gate_out();
                }
        }
}

static void s_flow_dealloc(void * lf)
{
        struct sflow * f = lf;
        int            last;

        atomic_store(&f->closing, 1);
        fsets_forget(f);

        if (f->kind == SF_LOOP) {
                l_release(f);
                return;
        }

        pthread_mutex_lock(&f->lock);
        last = --f->owners == 0;
        pthread_mutex_unlock(&f->lock);

        if (last)
                o_release(f);
}

/*
 * Looks for the peer without taking data: a read with a zero timeout when
 * nothing is queued ends with EFLOWDOWN once the peer has deallocated.
 * Never under a reader, at most once a millisecond.
 */
static void o_probe(struct sflow * f)
{
        int64_t now = jour_now_ns();
        ssize_t n;
        uint8_t * buf;

        if (atomic_load(&f->down) || f->fd < 0)
                return;

        if (pidfd_dead(f->pidfd)) {
                peer_died(f);
                return;
        }

        if (now - atomic_load(&f->probed) < MS)
                return;
        atomic_store(&f->probed, now);

        if (atomic_load(&f->nstash) > 0 || o_qlen(f->fd, 1) != 0)
                return;

        if (pthread_mutex_trylock(&f->rxlock) != 0)
                return; /* a reader is at it, and will see the end */

        buf = scratch();
        if (buf != NULL && atomic_load(&f->nstash) == 0 &&
            set_rcvtimeo(f, 0) == 0) {
                n = o_read(f->fd, buf, jour_layer_system.max_sdu + 1);
                if (n > 0) {
                        struct sdu * s = sdu_new(buf, (size_t) n);
                        if (s != NULL) {
                                sduq_push(&f->stash, s);
                                atomic_fetch_add(&f->nstash, 1);
                        }
                } else if (is_gone(n)) {
                        atomic_store(&f->down, 1);
                }
        }

        pthread_mutex_unlock(&f->rxlock);
}

static int s_flow_is_down(void * lf)
{
        struct sflow * f = lf;

        if (f->kind == SF_LOOP) {
                int gone;
                pthread_mutex_lock(&f->lp->lock);
                gone = f->lp->gone[!f->end];
                pthread_mutex_unlock(&f->lp->lock);
                return gone;
        }

        if (!atomic_load(&f->finished) || sflow_fd(f) < 0)
                return 0;

        o_probe(f);

        return atomic_load(&f->down);
}

static ssize_t o_flow_read(struct sflow * f,
                           struct iovec * iov,
                           int            iovcnt,
                           int64_t        timeo)
{
        size_t    max = jour_layer_system.max_sdu;
        int64_t   deadline = jour_deadline(timeo);
        uint8_t * buf;
        size_t    cap;
        ssize_t   n;
        int       direct;

        /* A buffer larger than any SDU: no partial read, no fake 0. */
        direct = iov[0].iov_len > max;
        buf    = direct ? iov[0].iov_base : scratch();
        cap    = direct ? iov[0].iov_len : max + 1;
        if (buf == NULL)
                return -ENOMEM;

        for (;;) {
                int64_t rem = jour_remaining(deadline);
                int     down;

                if (atomic_load(&f->closing))
                        return -EJOUR_WOKEN;

                pthread_mutex_lock(&f->rxlock);

                if (atomic_load(&f->nstash) > 0) {
                        struct sdu * s = sduq_pop(&f->stash);
                        atomic_fetch_sub(&f->nstash, 1);
                        pthread_mutex_unlock(&f->rxlock);
                        scatter(iov, iovcnt, s->data, s->len);
                        n = (ssize_t) s->len;
                        free(s);
                        return n;
                }

                /* A peer that is gone sends nothing more: do not wait. */
                down = atomic_load(&f->down);
                n = set_rcvtimeo(f, (timeo == 0 || down) ? 0 :
                                 step_of(rem, SLICE_NS));
                if (n == 0)
                        n = o_read(f->fd, buf, cap);

                pthread_mutex_unlock(&f->rxlock);

                if (n > 0)
                        break;

                if (n == 0)
                        continue; /* an empty SDU: Ouroboros drops them */

                if (n == -ETIMEDOUT || n == -EAGAIN) {
                        if (down)
                                return -EFLOWDOWN;
                        if (pidfd_dead(f->pidfd)) {
                                peer_died(f);
                                continue;
                        }
                        if (timeo == 0) {
                                atomic_store(&f->ready, 0);
                                return -EAGAIN;
                        }
                        if (jour_remaining(deadline) == 0)
                                return -ETIMEDOUT;
                        continue;
                }

                if (is_gone(n)) {
                        atomic_store(&f->down, 1);
                        return n == -EFLOWPEER ? -EFLOWPEER : -EFLOWDOWN;
                }

                return n;
        }

        if (!direct)
                scatter(iov, iovcnt, buf, (size_t) n);

        return n;
}

static ssize_t s_flow_read(void *         lf,
                           struct iovec * iov,
                           int            iovcnt,
                           int64_t        timeo)
{
        struct sflow * f = lf;

        if (f->kind == SF_LOOP)
                return l_read(f, iov, iovcnt, timeo);

        if (sflow_fd(f) < 0)
                return -ENOTALLOC;

        return o_flow_read(f, iov, iovcnt, timeo);
}

static ssize_t o_flow_write(struct sflow * f,
                            const void *   buf,
                            size_t         len,
                            int64_t        timeo)
{
        int64_t deadline = jour_deadline(timeo);
        int64_t nap = 200 * 1000;
        ssize_t n;

        if (f->bcast && len > OURO_BCAST_MTU)
                return -EMSGSIZE;

        pthread_mutex_lock(&f->txlock);
        for (;;) {
                int64_t rem = jour_remaining(deadline);
                int     q;

                if (atomic_load(&f->closing)) {
                        n = -EJOUR_WOKEN;
                        break;
                }

                /* Writes to a gone peer report success: look first. */
                o_probe(f);
                if (atomic_load(&f->down)) {
                        n = -EFLOWDOWN;
                        break;
                }

                if (len == 0) {
                        n = 0;
                        break;
                }

                /* A write into a full ring reports success and drops. */
                q = o_qlen(f->fd, 0);
                if (q >= TXQ_MAX) {
                        if (timeo == 0) {
                                n = -EAGAIN;
                                break;
                        }
                        if (rem == 0) {
                                n = -ETIMEDOUT;
                                break;
                        }
                        sleep_ns(step_of(rem, nap));
                        if (nap < 10 * MS)
                                nap *= 2;
                        continue;
                }

                n = set_sndtimeo(f, timeo == 0 ? 0 : step_of(rem, SLICE_NS));
                if (n == 0)
                        n = o_write(f->fd, buf, len);
                if (n >= 0)
                        break;

                if (n == -ETIMEDOUT || n == -EAGAIN) {
                        if (timeo == 0) {
                                n = -EAGAIN;
                                break;
                        }
                        if (jour_remaining(deadline) == 0) {
                                n = -ETIMEDOUT;
                                break;
                        }
                        continue;
                }

                if (is_gone(n)) {
                        atomic_store(&f->down, 1);
                        n = -EFLOWDOWN;
                }
                break;
        }
        pthread_mutex_unlock(&f->txlock);

        return n;
}

static ssize_t s_flow_write(void *       lf,
                            const void * buf,
                            size_t       len,
                            int64_t      timeo)
{
        struct sflow * f = lf;

        if (f->kind == SF_LOOP)
                return l_write(f, buf, len, timeo);

        if (sflow_fd(f) < 0)
                return -ENOTALLOC;

        return o_flow_write(f, buf, len, timeo);
}

static int s_flow_queue_len(void * lf,
                            int    rx)
{
        struct sflow * f = lf;
        int            q;

        if (f->kind == SF_LOOP) {
                pthread_mutex_lock(&f->lp->lock);
                q = (int) f->lp->q[rx ? f->end : !f->end].n;
                pthread_mutex_unlock(&f->lp->lock);
                return q;
        }

        if (sflow_fd(f) < 0)
                return 0;

        q = o_qlen(f->fd, rx);
        if (q < 0)
                return atomic_load(&f->down) ? (rx ? atomic_load(&f->nstash)
                                                : 0) : q;

        return rx ? q + atomic_load(&f->nstash) : q;
}

static int64_t s_flow_arrived(void * lf)
{
        struct sflow * f = lf;
        int64_t        n;

        if (f->kind != SF_LOOP)
                return -ENOTSUP; /* fevent reports each packet itself */

        pthread_mutex_lock(&f->lp->lock);
        n = (int64_t) f->lp->q[f->end].arrived;
        pthread_mutex_unlock(&f->lp->lock);

        return n;
}

static int s_flow_fd(void * lf)
{
        return ((struct sflow *) lf)->evfd;
}

static size_t s_flow_max_sdu(void * lf)
{
        return ((struct sflow *) lf)->bcast ? OURO_BCAST_MTU :
                jour_layer_system.max_sdu;
}

/* ---------------------------------------------------------- flow sets */

struct smember {
        uint64_t   tag;
        void *     obj;
        int        is_srv;
        int        interest;
        int        in_oset;   /* its fd is in the Ouroboros set */
        int        down_seen; /* edge: DOWN reported            */
        uint64_t   seen;      /* edge, loopback: arrivals seen  */
};

struct sfset {
        void *           set;       /* Ouroboros set, made on first use */
        void *           fq;
        pthread_mutex_t  lock;
        struct smember * m;
        size_t           n;
        size_t           cap;
        atomic_int       wake;
};

static int s_fset_create(void ** fs)
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
        s->set = S.fset_create();
        s->fq  = S.fqueue_create();
        if (s->set == NULL || s->fq == NULL) {
                if (s->set != NULL)
                        S.fset_destroy(s->set);
                if (s->fq != NULL)
                        S.fqueue_destroy(s->fq);
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
        r = S.fset_add(s->set, fd);
        gate_out();

        return r;
}

static void oset_del(struct sfset * s,
                     int            fd)
{
        if (s->set == NULL || gate_in() < 0)
                return;
        S.fset_del(s->set, fd);
        gate_out();
}

/* Needs G.setlock. */
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

/* Needs G.setlock. */
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
static void fsets_forget(struct sflow * f)
{
        size_t i;

        pthread_mutex_lock(&G.setlock);
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
        pthread_mutex_unlock(&G.setlock);
}

static void s_fset_destroy(void * fs)
{
        struct sfset * s = fs;
        size_t         i;

        pthread_mutex_lock(&G.setlock);
        pthread_mutex_lock(&s->lock);
        for (i = 0; i < s->n; ++i)
                if (!s->m[i].is_srv)
                        flow_drop_set(s->m[i].obj, s);
        while (s->n > 0)
                member_remove(s, &s->m[s->n - 1]);
        if (s->set != NULL && gate_in() == 0) {
                S.fqueue_destroy(s->fq);
                S.fset_destroy(s->set);
                gate_out();
        }
        pthread_mutex_unlock(&s->lock);
        pthread_mutex_unlock(&G.setlock);

        pthread_mutex_destroy(&s->lock);
        free(s->m);
        free(s);
}

static uint64_t loop_arrived(struct sflow * f)
{
        uint64_t n;

        pthread_mutex_lock(&f->lp->lock);
        n = f->lp->q[f->end].arrived;
        pthread_mutex_unlock(&f->lp->lock);

        return n;
}

static int s_fset_add(void *   fs,
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

        pthread_mutex_lock(&G.setlock);
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
        pthread_mutex_unlock(&G.setlock);

        return ret;
}

static int s_fset_mod(void *   fs,
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

static int s_fset_del(void * fs,
                      void * obj,
                      int    is_srv)
{
        struct sfset *   s = fs;
        struct smember * m;

        pthread_mutex_lock(&G.setlock);
        pthread_mutex_lock(&s->lock);
        m = member_of(s, obj);
        if (m != NULL) {
                if (!is_srv)
                        flow_drop_set(obj, s);
                member_remove(s, m);
        }
        pthread_mutex_unlock(&s->lock);
        pthread_mutex_unlock(&G.setlock);

        return m == NULL ? -ENOENT : 0;
}

static int fd_readable(int fd)
{
        struct pollfd p = { .fd = fd, .events = POLLIN, .revents = 0 };

        return fd >= 0 && poll(&p, 1, 0) == 1;
}

static uint32_t loop_events(struct smember * m,
                            struct sflow *   f)
{
        struct lpair * lp = f->lp;
        int            e = f->end;
        uint32_t       ev = 0;

        pthread_mutex_lock(&lp->lock);
        if (m->interest & JOUR_IN_EDGE) {
                if (lp->q[e].arrived != m->seen) {
                        m->seen = lp->q[e].arrived;
                        ev |= JOUR_EV_PKT;
                }
                if (lp->gone[!e] && !m->down_seen) {
                        m->down_seen = 1;
                        ev |= JOUR_EV_DOWN;
                }
        } else {
                if ((m->interest & JOUR_IN_READ) && lp->q[e].n > 0)
                        ev |= JOUR_EV_PKT;
                if ((m->interest & JOUR_IN_WRITE) &&
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
                                pthread_mutex_lock(&G.lock);
                                if (srv_ready(m->obj))
                                        ev |= JOUR_EV_PKT;
                                pthread_mutex_unlock(&G.lock);
                        }
                } else if (!atomic_load(&f->finished)) {
                        /* OP_CONNECT: the allocation has ended. */
                        if ((m->interest & JOUR_IN_READ) &&
                            !(m->interest & JOUR_IN_EDGE) &&
                            fd_readable(f->evfd))
                                ev |= JOUR_EV_PKT;
                } else if (f->kind == SF_LOOP) {
                        ev = loop_events(m, f);
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

        while (k < max && (fd = S.fqueue_next(s->fq)) >= 0) {
                int    type = S.fqueue_type(s->fq);
                size_t i;

                for (i = 0; i < s->n; ++i) {
                        struct smember * m = &s->m[i];
                        struct sflow *   f = m->obj;
                        uint32_t         ev = 0;

                        if (m->is_srv || !m->in_oset || sflow_fd(f) != fd)
                                continue;

                        if (type == OURO_FLOW_PKT) {
                                size_t q = 0;
                                if (S.fccntl(fd, FLOWGRXQLEN, &q) < 0 ||
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

static int s_fset_wait(void *              fs,
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

                if (atomic_load(&S.exiting))
                        return -EIRMD;

                pthread_mutex_lock(&s->lock);
                if (s->set != NULL && gate_in() == 0) {
                        (void) S.fevent(s->set, s->fq, &zero);
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
                                (void) S.fevent(s->set, s->fq, &slice);
                                gate_out();
                        }
                } else {
                        /* Nothing of Ouroboros here: wait for a change. */
                        pthread_mutex_lock(&N.lock);
                        if (N.gen == gen && !atomic_load(&s->wake))
                                cond_wait_ns(&N.cond, &N.lock,
                                             step_of(rem, WAIT_CAP));
                        pthread_mutex_unlock(&N.lock);
                }
        }
}

static void s_fset_wake(void * fs,
                        int    set)
{
        struct sfset * s = fs;

        atomic_store(&s->wake, set ? 1 : 0);
        if (set)
                notify();
}

/* --------------------------------------------------------------- init */

/*
 * At exit, the library's destructor frees what threads inside it use:
 * stop entering it, let those inside leave, and if some cannot (an
 * allocation waiting on the IRMd, a deallocation waiting on a peer), end
 * the process here rather than crash in the destructor.
 *
 * First, give flows closed just before exit a moment to be deallocated
 * with the IRMd: the destructor only forgets them locally, and the IRMd
 * never deallocates the flows of a process that is gone, so the IPCP
 * would keep them for good (a broadcast IPCP goes on copying every SDU
 * to them). A flow whose peer has not taken what we sent by then is left
 * as before: the peer still reads it, then the end.
 */
static void s_on_exit(int    status,
                      void * arg)
{
        int64_t t0 = jour_now_ns();

        (void) arg;

        while (atomic_load(&S.releasing) > 0 &&
               jour_now_ns() - t0 < EXIT_DEALLOC_NS)
                sleep_ns(MS);

        t0 = jour_now_ns();
        atomic_store(&S.exiting, 1);
        pthread_cond_broadcast(&G.cond);

        while (atomic_load(&S.inflight) > 0 &&
               jour_now_ns() - t0 < EXIT_WAIT_NS)
                sleep_ns(MS);

        if (atomic_load(&S.inflight) > 0) {
                fflush(NULL);
                _exit(status);
        }
}

#define SYM(lib, name) do {                                               \
                *(void **) &S.name = dlsym(S.lib, #name);                 \
                if (S.name == NULL)                                       \
                        goto fail_sym;                                    \
        } while (0)

static void scratch_free(void * p)
{
        free(p);
}

static int s_init(const char * cfg)
{
        const gid_t    g_none = (gid_t) -1;
        struct group * gr;
        gid_t          ouro = g_none;
        uint8_t *      proc;

        memset(&S, 0, sizeof(S));
        if (cfg != NULL && strlen(cfg) < sizeof(S.socket_path))
                strcpy(S.socket_path, cfg);

        /* Without an IRMd, loading libouroboros-dev ends the process. */
        if (!jour_irmd_alive(S.socket_path))
                return -EIRMD;

        S.irm = dlopen(OURO_LIB_IRM, RTLD_NOW | RTLD_LOCAL);
        if (S.irm == NULL)
                return -ENOENT;

        S.dev = dlopen(OURO_LIB_DEV, RTLD_NOW | RTLD_LOCAL);
        if (S.dev == NULL) {
                dlclose(S.irm);
                return -ENOENT;
        }

        SYM(dev, flow_alloc);
        SYM(dev, flow_accept);
        SYM(dev, flow_join);
        SYM(dev, flow_dealloc);
        SYM(dev, flow_write);
        SYM(dev, flow_read);
        SYM(dev, fccntl);
        SYM(dev, fset_create);
        SYM(dev, fset_destroy);
        SYM(dev, fqueue_create);
        SYM(dev, fqueue_destroy);
        SYM(dev, fset_add);
        SYM(dev, fset_del);
        SYM(dev, fqueue_next);
        SYM(dev, fqueue_type);
        SYM(dev, fevent);
        SYM(irm, irm_bind_process);
        SYM(irm, irm_unbind_process);
        SYM(irm, irm_create_name);
        SYM(irm, irm_unreg_name);

        /* The flow table, to learn the process at the other end. */
        proc = dlsym(S.dev, "proc");
        if (proc != NULL) {
                S.flows = (uint8_t **) (proc + OURO_PROC_FLOWS_OFF);
                S.pool  = (void **) (proc + OURO_PROC_POOL_OFF);
        }
        /* Optional: to take back packets a dead peer will never read. */
        *(void **) &S.ssm_rbuff_read  = dlsym(S.dev, "ssm_rbuff_read");
        *(void **) &S.ssm_pool_remove = dlsym(S.dev, "ssm_pool_remove");

        if (pthread_key_create(&S.scratch, scratch_free) != 0 ||
            sem_init(&S.alloc_sem, 0, ALLOC_MAX) != 0 ||
            cond_init(&G.cond) != 0 || cond_init(&N.cond) != 0)
                return -ENOMEM;

        gr = getgrnam("ouroboros");
        if (gr != NULL)
                ouro = gr->gr_gid;

        jour_layer_system.max_sdu = (geteuid() == 0 || getegid() == ouro) ?
                OURO_MAX_SDU_PRIV : OURO_MAX_SDU_USER;

        (void) on_exit(s_on_exit, NULL);

        return 0;
 fail_sym:
        /* The library is loaded (and announced); it stays, unused. */
        return -EJOUR_VERSION;
}

static void s_fini(void)
{
        /* Never dlclose libouroboros-dev: its destructor talks to the IRMd. */
}

struct jour_layer jour_layer_system = {
        .name              = "system",
        .max_sdu           = OURO_MAX_SDU_USER,
        .init              = s_init,
        .fini              = s_fini,
        .flow_alloc_start  = s_flow_alloc_start,
        .flow_alloc_finish = s_flow_alloc_finish,
        .flow_join         = s_flow_join,
        .flow_wake         = s_flow_wake,
        .flow_dealloc      = s_flow_dealloc,
        .flow_read         = s_flow_read,
        .flow_write        = s_flow_write,
        .flow_queue_len    = s_flow_queue_len,
        .flow_fd           = s_flow_fd,
        .flow_is_down      = s_flow_is_down,
        .flow_arrived      = s_flow_arrived,
        .flow_max_sdu      = s_flow_max_sdu,
        .srv_create        = s_srv_create,
        .srv_bind          = s_srv_bind,
        .srv_accept        = s_srv_accept,
        .srv_wake          = s_srv_wake,
        .srv_destroy       = s_srv_destroy,
        .srv_fd            = s_srv_fd,
        .fset_create       = s_fset_create,
        .fset_destroy      = s_fset_destroy,
        .fset_add          = s_fset_add,
        .fset_mod          = s_fset_mod,
        .fset_del          = s_fset_del,
        .fset_wait         = s_fset_wait,
        .fset_wake         = s_fset_wake,
        .proc_bind         = s_proc_bind,
        .proc_unbind       = s_proc_unbind,
};
