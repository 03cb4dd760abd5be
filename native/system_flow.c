/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The flow object of the system layer and flow I/O: read, write, wake,
 * queue lengths, the peer's end. Ouroboros flows are handled here;
 * loopback flows go to system_loop.c.
 *
 * Ouroboros 0.23 defects contained here:
 *
 *  - A read into a buffer smaller than the SDU drops the rest, and a read
 *    that exactly fills the buffer is followed by a fake empty read: we
 *    always read into a buffer one byte larger than the largest SDU
 *    (o_flow_read; scratch() in system_sdu.c; flow.c keeps what the
 *    caller's buffer cannot take).
 *  - fccntl(FLOWSFLAGS) clears the "peer gone" state of both rings and
 *    sends the peer a FLOW_UP event: we never call it to change blocking;
 *    non-blocking calls use a zero timeout (set_rcvtimeo, set_sndtimeo)
 *    instead of FLOWFRNOBLOCK/FLOWFWNOBLOCK. (o_mark_down sets FLOWFDOWN,
 *    when the flow ends anyway: at close, s_flow_wake, and when the peer
 *    died, peer_died; once or twice.)
 *  - flow_write reports success when its ring is full (non-blocking, or
 *    a timeout) or the peer is gone, and drops the SDU: we never write
 *    into a full ring (we wait or say EAGAIN), and look for the peer
 *    first (o_probe).
 *  - A blocked flow_read is never woken by a deallocation, nor by the
 *    access flags that mark its ring down: o_mark_down wakes it (o_rx_kick)
 *    at close and at the peer's death, and we block in slices (SLICE_NS)
 *    and check for close and the peer between them in case a wake-up is
 *    missed.
 *  - An encrypted flow has one OpenSSL cipher context for both directions
 *    (crypt/openssl.c), used by flow_write (to encrypt) and flow_read (to
 *    decrypt) with no lock: run at once, they spoil each other; the SDU
 *    fails its tag and flow_read drops it silently, or OpenSSL crashes
 *    the process (SIGSEGV in CRYPTO_gcm128_decrypt_ctr32, within a second
 *    of a full-duplex burst: EncryptionTest). On an encrypted flow
 *    (enc_of) reads and writes take cryptlock around the library call,
 *    and never wait in it: a reader waits for the ring first, on the
 *    ring's own condition (o_rx_wait), then reads with a zero timeout; a
 *    writer writes with a zero timeout and naps when the pool is short.
 *    Our flows never run FRCT (system_alloc.c). One whose peer asked for
 *    it (a C tool, pyOuroboros) we cannot protect: the library's own
 *    threads decrypt its packets (fevent's fqueue_filter, also under our
 *    flow set pumps) and encrypt its acknowledgements (the timer wheel).
 */
#include <stdlib.h>
#include <unistd.h>

#include "system.h"

#define SLICE_NS        (50 * MS)   /* blocking reads and writes      */
#define HEARD_NS        (1 * MS)    /* a peer heard from is alive      */

int sflow_fd(struct sflow * f)
{
        return __atomic_load_n(&f->fd, __ATOMIC_ACQUIRE);
}

struct sflow * sflow_new(int kind,
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
        if (pthread_mutex_init(&f->cryptlock, NULL) != 0)
                goto fail_crypt;

        f->kind     = kind;
        f->fd       = fd;
        f->evfd     = -1;
        f->pidfd    = -1;
        f->peer     = -1;
        f->owners   = 1;
        f->rcvtimeo = -2; /* unknown: set on first use */
        f->plain    = -1;
        spin_init(&f->rxspin);
        f->sndtimeo = -2;
        atomic_init(&f->finished, 1);
        atomic_init(&f->enc, -1);

        return f;

 fail_crypt:
        pthread_mutex_destroy(&f->txlock);
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

void sflow_free(struct sflow * f)
{
        if (f->evfd >= 0)
                close(f->evfd);
        if (f->pidfd >= 0)
                close(f->pidfd);
        sduq_clear(&f->stash);
        free(f->sets);
        pthread_mutex_destroy(&f->cryptlock);
        pthread_mutex_destroy(&f->txlock);
        pthread_mutex_destroy(&f->rxlock);
        pthread_cond_destroy(&f->cond);
        pthread_mutex_destroy(&f->lock);
        free(f);
}

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

void flow_down(struct sflow * f)
{
        if (!atomic_exchange(&f->down, 1))
                fsets_ready(f);
}

/*
 * Whether f is encrypted (see the top): asked once. What cannot be told
 * counts as encrypted: the lock costs a little, the race a lost SDU.
 */
static int enc_of(struct sflow * f)
{
        int e = atomic_load_explicit(&f->enc, memory_order_acquire);

        if (e < 0) {
                if (gate_in() < 0)
                        return 1;
                e = o_encrypted(f->fd) != 0;
                gate_out();
                atomic_store_explicit(&f->enc, e, memory_order_release);
        }

        return e;
}

/*
 * flow_read on f, past the SDUs the IRMd took back from a dead sender
 * (o_rx_skip_reclaimed in system_peek.c): one pass of the gate for both.
 * Needs rxlock; on an encrypted flow, a zero receive timeout.
 */
static ssize_t o_read_rx(struct sflow * f,
                         void *         buf,
                         size_t         n)
{
        int     enc = enc_of(f);
        ssize_t r;

        if (enc)
                pthread_mutex_lock(&f->cryptlock);
        if (gate_in() < 0) {
                r = -EIRMD;
        } else {
                (void) o_rx_skip_reclaimed(f);
                r = syslib.flow_read(f->fd, buf, n);
                gate_out();
        }
        if (enc)
                pthread_mutex_unlock(&f->cryptlock);

        return r;
}

/* Whether f's reads come from its ring alone (no FRCT): asked once. Needs rxlock. */
static int rx_plain(struct sflow * f)
{
        int r;

        if (f->plain < 0) {
                r = o_in_order(f->fd);
                if (r < 0)
                        return 0; /* not known: asked again next time */
                f->plain = r == 0;
        }

        return f->plain;
}

/*
 * Nothing to read and the peer still there, told from the ring without a
 * flow_read (o_rx_idle). Needs rxlock.
 */
static int rx_idle(struct sflow * f)
{
        int r;

        if (atomic_load(&f->nstash) > 0 || !rx_plain(f) || gate_in() < 0)
                return 0;
        r = o_rx_idle(f->fd);
        gate_out();

        return r;
}

/*
 * Before a read that may sleep: a short spin on the ring (spin.c), so an
 * SDU that comes within it is read with no sleep and no wake-up: neither
 * ours, nor the writer's futex call to wake us (it wakes no one when no
 * one sleeps). Budget rxspin, adapted to how soon SDUs came after reads
 * before; it ends early on close (closing), the peer's end (the ring's
 * flags) and the deadline, and the wait after it gets only the time left.
 * Needs rxlock; not for FRCT (whose SDUs may come from its own queue) nor
 * encrypted flows (enc_wait); loopback flows do not come here (l_read).
 */
static void rx_spin(struct sflow * f,
                    int64_t        deadline)
{
        if (atomic_load(&f->nstash) > 0 || !rx_plain(f) || gate_in() < 0)
                return;
        (void) o_rx_spin(f->fd, &f->rxspin, &f->closing, deadline);
        gate_out();
}

/*
 * An encrypted flow's wait for its next SDU, up to ns, without the
 * library (see the top). With FRCT (a peer's choice) SDUs may also come
 * from its queue, filled by the library's own thread: short waits. Needs
 * rxlock.
 */
static void enc_wait(struct sflow * f,
                     int64_t        ns)
{
        int64_t t0 = jour_now_ns();
        int     r = -1;

        if (!rx_plain(f) && ns > MS)
                ns = MS;

        if (gate_in() == 0) {
                r = o_rx_wait(f->fd, ns);
                gate_out();
        }
        /*
         * No ring to wait on, or a wait that ended long before its time
         * (a library built with another clock for its conditions): look
         * again after a nap, never in a busy loop.
         */
        if (r == -1 || (r == -ETIMEDOUT && jour_now_ns() - t0 < ns / 2))
                sleep_ns(ns < MS ? ns : MS);
}

/* Reads every queued SDU into the stash. Needs rxlock. */
void drain_locked(struct sflow * f)
{
        uint8_t * buf = scratch();
        ssize_t   n;

        if (buf == NULL || set_rcvtimeo(f, 0) < 0)
                return;

        atomic_fetch_add(&f->stashing, 1);
        for (;;) {
                struct sdu * s;

                n = o_read_rx(f, buf, jour_layer_system.max_sdu + 1);
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
        atomic_fetch_sub(&f->stashing, 1);

        if (is_gone(n))
                flow_down(f);
}

/* ------------------------------------------------------------- close */

/*
 * Marks both rings of an Ouroboros flow down and wakes whoever waits on
 * its receive ring: FLOWFDOWN makes a live peer read what is queued, then
 * the end, and gets it a FLOW_DOWN event (after close); our own blocked
 * reads (flow_read, o_rx_wait) take what is queued, then end
 * (ssm_rbuff_read_b). (Safe beside other calls on the fd, unlike
 * flow_dealloc.) Not for a flow whose allocation Java has not seen end:
 * its waits end in their slice.
 */
void o_mark_down(struct sflow * f)
{
        uint32_t fl = FLOWFRDWR | FLOWFDOWN;

        if (f->kind == SF_LOOP || !atomic_load(&f->finished) ||
            sflow_fd(f) < 0)
                return;

        if (gate_in() == 0) {
                (void) syslib.fccntl(sflow_fd(f), FLOWSFLAGS, fl);
                o_rx_kick(sflow_fd(f)); /* the fccntl wakes no one itself */
                gate_out();
        }
}

/*
 * close(): blocked calls end, and the peer sees the end at once, even if
 * a selector keeps the flow registered (and so allocated) a while longer.
 */
void s_flow_wake(void * lf)
{
        struct sflow * f = lf;

        atomic_store(&f->closing, 1);

        pthread_mutex_lock(&f->lock);
        pthread_cond_broadcast(&f->cond);
        pthread_mutex_unlock(&f->lock);

        if (f->kind == SF_LOOP)
                l_wake(f);
        else
                o_mark_down(f);
}

void s_flow_dealloc(void * lf)
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

/* ---------------------------------------------------------- the peer */

/*
 * Looks for the peer without taking data: a read with a zero timeout when
 * nothing is queued ends with EFLOWDOWN once the peer has deallocated.
 * Never under a reader, at most once a millisecond.
 *
 * Its pidfd first, a system call (poll) for each write, unless we read an
 * SDU of the peer's from the ring within HEARD_NS (a peer that answers
 * what we send: a ping-pong, a request and its reply), as the embedded
 * layer's writers are spared their look while the peer's stamp is fresh
 * (embedded_rflow.c). But the time is ours, of the read, not the peer's
 * of its write: an SDU a dead peer left queued, read before the monitor
 * drains the ring (peer_died), counts too. Writes to a peer that died
 * then fail within HEARD_NS of the last SDU we took from its ring, or
 * once the monitor marked the flow down; a peer we never heard from is
 * looked at on each write.
 */
static void o_probe(struct sflow * f)
{
        int64_t now = jour_now_ns();
        ssize_t n;
        uint8_t * buf;

        if (atomic_load(&f->down) || f->fd < 0)
                return;

        if (now - atomic_load(&f->heard) >= HEARD_NS &&
            pidfd_dead(f->pidfd)) {
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
        if (buf != NULL && atomic_load(&f->nstash) == 0 && !rx_idle(f) &&
            set_rcvtimeo(f, 0) == 0) {
                /* Its packet event may be drained meanwhile: see stashing. */
                atomic_fetch_add(&f->stashing, 1);
                n = o_read_rx(f, buf, jour_layer_system.max_sdu + 1);
                if (n > 0) {
                        struct sdu * s = sdu_new(buf, (size_t) n);
                        if (s != NULL) {
                                sduq_push(&f->stash, s);
                                atomic_fetch_add(&f->nstash, 1);
                        }
                } else if (is_gone(n)) {
                        flow_down(f);
                }
                atomic_fetch_sub(&f->stashing, 1);
        }

        pthread_mutex_unlock(&f->rxlock);
}

int s_flow_is_down(void * lf)
{
        struct sflow * f = lf;

        if (f->kind == SF_LOOP)
                return l_is_down(f);

        if (!atomic_load(&f->finished) || sflow_fd(f) < 0)
                return 0;

        o_probe(f);

        return atomic_load(&f->down);
}

/* --------------------------------------------------------------- I/O */

/*
 * How long one flow_read may wait, rem ns left (-1: no limit): at most
 * SLICE_NS, and in whole milliseconds above 2, so that reads with the same
 * time left to a millisecond (each slice of flow.c's waits: 32 ms less
 * the time to get here; a receive timeout) set the flow's receive timeout
 * once, not on each read (an fccntl, under the library's process lock,
 * which its other calls take too). From RX_ROUND_NS up rounded up: a wait
 * that times out then needs no second, short one (an fccntl, a timed
 * futex wait and a look at the peer more), at the price of ending up to
 * 1 ms late (less than 1/16 of it), as timers are late anyway. Below,
 * rounded down, so never late: a wait that times out is followed by a
 * short one. At most 2 ms: exact.
 */
#define RX_ROUND_NS     (16 * MS)

static int64_t rx_step(int64_t rem)
{
        int64_t t = step_of(rem, SLICE_NS);

        if (t >= RX_ROUND_NS)
                return (t + MS - 1) / MS * MS;

        return t > 2 * MS ? t - t % MS : t;
}

static ssize_t o_flow_read(struct sflow * f,
                           struct iovec * iov,
                           int            iovcnt,
                           int64_t        timeo)
{
        size_t    max = jour_layer_system.max_sdu;
        int       first = timeo == JOUR_TRY_FIRST;
        int64_t   deadline;
        uint8_t * buf;
        size_t    cap;
        ssize_t   n;
        int       direct;
        int       spun = 0;
        int       enc = enc_of(f);

        if (first)
                timeo = 0;
        deadline = jour_deadline(timeo);

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
                        atomic_fetch_add(&f->rxgen, 1);
                        pthread_mutex_unlock(&f->rxlock);
                        scatter(iov, iovcnt, s->data, s->len);
                        n = (ssize_t) s->len;
                        free(s);
                        return n;
                }

                /*
                 * A peer that is gone sends nothing more: do not wait. A
                 * look that must not wait, at an empty ring, needs no
                 * flow_read.
                 */
                down = atomic_load(&f->down);
                if (timeo == 0 && !down && rx_idle(f)) {
                        n = -EAGAIN;
                } else {
                        if (enc && timeo != 0 && !down)
                                enc_wait(f, step_of(rem, SLICE_NS));
                        else if (timeo != 0 && !down && !spun) {
                                spun = 1;
                                rx_spin(f, deadline);
                                rem = jour_remaining(deadline);
                        }
                        n = atomic_load(&f->closing) ? -EJOUR_WOKEN :
                                set_rcvtimeo(f, (timeo == 0 || down || enc) ?
                                             0 : rx_step(rem));
                        if (n == 0)
                                n = o_read_rx(f, buf, cap);
                }
                atomic_fetch_add(&f->rxgen, 1);

                pthread_mutex_unlock(&f->rxlock);

                if (n > 0) {
                        atomic_store(&f->heard, jour_now_ns());
                        break;
                }

                if (n == 0)
                        continue; /* an empty SDU: Ouroboros drops them */

                if (n == -ETIMEDOUT || n == -EAGAIN) {
                        if (down)
                                return -EFLOWDOWN;
                        /*
                         * A first try leaves the peer to the wait that
                         * follows: the monitor marks a dead peer's flow
                         * down and wakes its wait (peer_died), and each
                         * SLICE_NS of a wait ends with this look.
                         */
                        if (first)
                                return -EAGAIN;
                        if (pidfd_dead(f->pidfd)) {
                                peer_died(f);
                                continue;
                        }
                        if (timeo == 0)
                                return -EAGAIN;
                        if (jour_remaining(deadline) == 0)
                                return -ETIMEDOUT;
                        continue;
                }

                if (is_gone(n)) {
                        flow_down(f);
                        return n == -EFLOWPEER ? -EFLOWPEER : -EFLOWDOWN;
                }

                return n;
        }

        if (!direct)
                scatter(iov, iovcnt, buf, (size_t) n);

        return n;
}

ssize_t s_flow_read(void *         lf,
                    struct iovec * iov,
                    int            iovcnt,
                    int64_t        timeo)
{
        struct sflow * f = lf;

        if (f->kind == SF_LOOP)
                return l_read(f, iov, iovcnt,
                              timeo == JOUR_TRY_FIRST ? 0 : timeo);

        if (sflow_fd(f) < 0)
                return -ENOTALLOC;

        return o_flow_read(f, iov, iovcnt, timeo);
}

/*
 * Ouroboros 0.23: each SDU queued on a flow holds a block of the shared
 * packet pool until the peer reads it, blocks come in size classes with
 * no fallback to a larger one, and a class has far fewer blocks than a
 * ring has slots (root's pool: 256 blocks of 4 KiB, 384 of 2 KiB; a ring
 * takes 1023 SDUs). A writer that queues a whole class blocks every other
 * writer of that class in flow_write (ssm_pool_alloc_b), among them a
 * peer that echoes from its reading thread, which then never reads again:
 * both stop for good (seen with gdb, both writers in ssm_pool_alloc_b,
 * the class's free count at 0). So a flow holds at most a POOL_SHARE-th
 * of the blocks of its SDU's class, at least one, at most what the ring
 * takes.
 */
int tx_cap(size_t len)
{
        static const size_t size[] = OURO_POOL_CLASS_SIZES;
        static const int    gspp[] = OURO_GSPP_BLOCKS;
        static const int    pup[]  = OURO_PUP_BLOCKS;
        const int *         blocks;
        int                 i;

        blocks = jour_layer_system.max_sdu == OURO_MAX_SDU_PRIV ? gspp : pup;

        for (i = 0; i < OURO_POOL_CLASSES; ++i) {
                if (blocks[i] > 0 && len + OURO_PK_BUFF_OVERHEAD <= size[i]) {
                        int cap = blocks[i] / POOL_SHARE;
                        return cap < 1 ? 1 : cap < TXQ_MAX ? cap : TXQ_MAX;
                }
        }

        return 1;
}

static ssize_t o_flow_write(struct sflow * f,
                            const void *   buf,
                            size_t         len,
                            int64_t        timeo)
{
        int64_t deadline = jour_deadline(timeo);
        int64_t nap = 200 * 1000;
        ssize_t n;
        int     enc = enc_of(f);

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

                /*
                 * A write into a full ring reports success and drops; one
                 * into an exhausted pool class blocks (see tx_cap).
                 */
                q = o_qlen(f->fd, 0);
                if (q >= tx_cap(len)) {
                        if (timeo == 0) {
                                atomic_store(&f->refused, len);
                                n = -EAGAIN;
                                break;
                        }
                        if (rem == 0) {
                                n = -ETIMEDOUT;
                                break;
                        }
                        sleep_ns(step_of(rem, nap));
                        nap = nap * 2 < 10 * MS ? nap * 2 : 10 * MS;
                        continue;
                }

                /* Encrypted: never wait under cryptlock (see the top). */
                if (enc)
                        pthread_mutex_lock(&f->cryptlock);
                n = set_sndtimeo(f, (timeo == 0 || enc) ? 0 :
                                 step_of(rem, SLICE_NS));
                if (n == 0)
                        n = o_write(f->fd, buf, len);
                if (enc)
                        pthread_mutex_unlock(&f->cryptlock);
                if (n >= 0) {
                        atomic_store(&f->refused, 0);
                        break;
                }

                if (n == -ETIMEDOUT || n == -EAGAIN) {
                        if (timeo == 0) {
                                n = -EAGAIN;
                                break;
                        }
                        if (jour_remaining(deadline) == 0) {
                                n = -ETIMEDOUT;
                                break;
                        }
                        if (enc) {
                                sleep_ns(step_of(jour_remaining(deadline),
                                                 nap));
                                nap = nap * 2 < 10 * MS ? nap * 2 : 10 * MS;
                        }
                        continue;
                }

                if (is_gone(n)) {
                        flow_down(f);
                        n = -EFLOWDOWN;
                }
                break;
        }
        pthread_mutex_unlock(&f->txlock);

        return n;
}

ssize_t s_flow_write(void *       lf,
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

int s_flow_queue_len(void * lf,
                     int    rx)
{
        struct sflow * f = lf;
        int            q;

        if (f->kind == SF_LOOP)
                return l_queue_len(f, rx);

        if (sflow_fd(f) < 0)
                return 0;

        q = o_qlen(f->fd, rx);
        if (q < 0)
                return atomic_load(&f->down) ? (rx ? atomic_load(&f->nstash)
                                                : 0) : q;

        return rx ? q + atomic_load(&f->nstash) : q;
}

int64_t s_flow_arrived(void * lf)
{
        struct sflow * f = lf;

        if (f->kind != SF_LOOP)
                return -ENOTSUP; /* fevent reports each packet itself */

        return (int64_t) loop_arrived(f);
}

size_t s_flow_max_sdu(void * lf)
{
        return ((struct sflow *) lf)->bcast ? OURO_BCAST_MTU :
                jour_layer_system.max_sdu;
}
