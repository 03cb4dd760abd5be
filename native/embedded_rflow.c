/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The shared-memory data plane of a unicast flow: read and write through
 * the rings of embedded_ring.h, with no system call while the other side
 * keeps up; a short spin (spin.c), then a sleep on an eventfd and the
 * flow's socket together (embedded_wake.c) when it does not.
 *
 * The socket carries no data any more, only the end: the peer's close or
 * death (end of file), and our own close() (e_flow_wake's shutdown, which
 * wakes every sleeper). A reader looks at it when the ring is empty and it
 * will not wait (unless a wait of its caller's follows: JOUR_TRY_FIRST),
 * and sleeps on it; a writer looks at it when the ring is
 * full, and otherwise once every ELIVE_NS, so a write to a peer that died
 * fails at once (within that time) although no write needs the peer. A
 * byte on the socket after the handshake breaks the protocol.
 *
 * The writer's look costs a system call, on every write of a flow written
 * less often than ELIVE_NS (a server's many flows): it is spared while the
 * peer itself wrote within ELIVE_NS, as each write stamps its time in the
 * ring (ering_tx_stamp; a peer alive then, peer_fresh). A dead peer stamps
 * nothing, so the bound holds: writes to it fail within ELIVE_NS of its
 * death (twice that for a peer that stamped a time ahead before it died).
 *
 * The SDU counters of embedded_flow.c stay as they are: the writer counts
 * an SDU before it puts it in the ring, the reader after it took it.
 *
 * Here too: taking the rings into use at the end of the handshake (the
 * eventfds of both ends), and what a flow set needs of a ring flow.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "embedded_flow.h"
#include "errors.h"

#define ELIVE_NS  (1000LL * 1000) /* how often a writer looks for the end */

/*
 * f->watched: a flow set watches rx (WATCH_LEVEL), and one asked for each
 * SDU's edge (WATCH_EDGE: a FlowSet, which looks at no ring itself). For
 * those, reads still drain the eventfd as the ring empties, as a kernel
 * whose nested epoll sets wake their watchers again while a member stays
 * ready (before about 5.11) would otherwise repeat their event forever.
 */
#define WATCH_LEVEL 1
#define WATCH_EDGE  2

/* Takes the rings into use with the eventfds in f->efd (all open). */
static int ring_start(struct eflow * f)
{
        int client = f->tx == 0;
        int i;

        /* A client's are set since its start: a flow set may use them. */
        if (!client) {
                for (i = 0; i < E_RING_FDS; ++i) {
                        int w = ewake_watch_new(f->efd[EFD_S_RX + i]);
                        if (w < 0)
                                return w; /* e_flow_dealloc closes it all */
                        f->watch[i] = w;
                }
                ering_init(&f->ring, f->shm, f->tx);
                f->rx_efd = f->efd[EFD_S_RX];
                f->sp_efd = f->efd[EFD_S_SP];
        }
        f->peer_rx_efd = f->efd[client ? EFD_S_RX : EFD_C_RX];
        f->peer_sp_efd = f->efd[client ? EFD_S_SP : EFD_C_SP];
        __atomic_store_n(&f->ring_on, 1, __ATOMIC_RELEASE);
        ering_counted(f);

        return 0;
}

int eflow_ring_serve(struct eflow * f,
                     int *          peer,
                     int *          fds)
{
        int i;

        for (i = 0; i < E_RING_FDS; ++i)
                f->efd[EFD_C_RX + i] = peer[i];

        if (f->shm_size != ERING_SHM_SIZE)
                return -EINVAL;

        for (i = 0; i < E_RING_FDS; ++i)
                if (ewake_check(peer[i]) < 0)
                        return -EJOUR_PROTO;

        /* Ours: data arrived (0), room to write (1: there is). */
        for (i = 0; i < E_RING_FDS; ++i) {
                int fd = ewake_new(i == 1);
                if (fd < 0)
                        return fd; /* e_flow_dealloc closes the others */
                f->efd[EFD_S_RX + i] = fd;
                fds[i] = fd;
        }

        return ring_start(f);
}

int eflow_ring_join(struct eflow * f,
                    const int *    fds,
                    int            n)
{
        int i;

        for (i = 0; i < n; ++i)
                if (i < E_RING_FDS && f->efd[EFD_S_RX + i] < 0)
                        f->efd[EFD_S_RX + i] = fds[i];
                else
                        close(fds[i]);

        if (n != E_RING_FDS || f->shm_size != ERING_SHM_SIZE)
                return -EJOUR_PROTO;

        for (i = 0; i < E_RING_FDS; ++i)
                if (ewake_check(f->efd[EFD_S_RX + i]) < 0)
                        return -EJOUR_PROTO;

        return ring_start(f);
}

/*
 * The server stays on the socket: our eventfds go, and the private sets
 * over them first (closing those takes them out of any flow set that
 * watched the flow while it was pending; the eventfds themselves the
 * server holds too, so their close would not).
 */
void eflow_ring_none(struct eflow * f)
{
        int i;

        for (i = 0; i < E_RING_FDS; ++i) {
                if (f->watch[i] >= 0)
                        close(f->watch[i]);
                f->watch[i] = -1;
        }

        for (i = 0; i < EFD_N; ++i) {
                if (f->efd[i] >= 0)
                        close(f->efd[i]);
                f->efd[i] = -1;
        }
        __atomic_store_n(&f->rx_efd, -1, __ATOMIC_RELEASE);
        f->sp_efd = -1;
}

int e_flow_ring_fds(void * lf,
                    int *  rx,
                    int *  sp)
{
        struct eflow * f = lf;

        /*
         * From the start of an allocation: its own are made with it. The
         * private sets over them, not the eventfds (ewake_watch_new).
         */
        if (f->rx_efd < 0 || f->watch[0] < 0)
                return -1;

        *rx = f->watch[0];
        *sp = f->watch[1];

        return 0;
}

/*
 * Drains the flow's wake-up, then looks at the ring once more: an SDU the
 * peer put meanwhile may have had its wake-up taken by the drain, so it is
 * signalled again for whoever watches (a selector, a FlowSet, a second
 * set). reader: the look is the reader's own (ering_readable, its private
 * tail); else another thread's (ering_rx_ready, the tail the reader
 * published). Returns that second look.
 */
static int rx_drain(struct eflow * f,
                    int            reader)
{
        int ready;

        ewake_drain(f->rx_efd);
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        ready = reader ? ering_readable(&f->ring) : ering_rx_ready(&f->ring);
        if (ready != 0 && atomic_load(&f->watched) != 0)
                ewake_signal(f->rx_efd);

        return ready;
}

/*
 * A flow set watches for data: from now on the peer wakes us when it
 * writes to an empty ring (edge: on every SDU). Then what is already
 * there is signalled by ourselves, as a wake-up of the peer's might have
 * come before the flag (the drain first, so no wake-up stays behind for
 * a ring that is empty: an edge-triggered set that asked for edges would
 * report a read that finds nothing). Called from a flow set's thread, not
 * the reader's: its look is ering_rx_ready.
 */
void e_flow_watch(void * lf,
                  int    edge)
{
        struct eflow * f = lf;

        if (f->rx_efd < 0)
                return;

        atomic_fetch_or(&f->watched,
                        edge ? WATCH_LEVEL | WATCH_EDGE : WATCH_LEVEL);
        ering_rx_watch(&f->ring, edge ? ERING_EVERY : ERING_WATCH);
        rx_drain(f, 0);
}

int e_flow_rx_ready(void * lf,
                    int    drain)
{
        struct eflow * f = lf;

        if (atomic_load(&f->down) || atomic_load(&f->broken))
                return 1;

        /*
         * A flow whose allocation fell back to its socket has no rings:
         * its readiness is its socket's (a late look says nothing). Its
         * mapping stays until the flow is freed, so a look that races the
         * fallback reads memory that is still there.
         */
        if (__atomic_load_n(&f->rx_efd, __ATOMIC_ACQUIRE) < 0)
                return 0;

        if (ering_rx_ready(&f->ring))
                return 1;

        /*
         * Empty after a wake-up: the wake-up goes (from now on the set
         * holds nothing for it, whatever the kernel makes of a nested set
         * whose member stays ready), then the ring once more (rx_drain).
         * Only once the rings are in use: their eventfds are then the
         * flow's until it is freed.
         */
        if (!drain || !__atomic_load_n(&f->ring_on, __ATOMIC_ACQUIRE))
                return 0;

        return rx_drain(f, 0) != 0;
}

/* 0 while the socket is quiet, 1 at its end, or -errno / -EJOUR_PROTO. */
static int sock_end(struct eflow * f)
{
        char    b;
        ssize_t n;

        for (;;) {
                n = recv(f->fd, &b, 1, MSG_DONTWAIT | MSG_PEEK);
                if (n == 0)
                        return 1;
                if (n > 0)
                        return eflow_broken(f);
                if (errno == EINTR)
                        continue;
                if (errno == EAGAIN)
                        return 0;
                if (errno == ECONNRESET || errno == ENOTCONN ||
                    errno == EPIPE)
                        return 1;
                return -errno;
        }
}

/*
 * After an SDU was taken following a sleep: once the ring is empty, the
 * wake-up the sleep left in our eventfd goes with it, so the next sleep
 * does not end at once for it (rx_drain: an SDU that came between our
 * look and the drain is signalled again, if a set watches). The same for
 * a flow a FlowSet watches (WATCH_EDGE); a selector's wake-ups need no
 * drain here (embedded_fset.c: its look drains what brought nothing).
 * Needs the reader's side.
 */
static void rx_settle(struct eflow * f)
{
        if (ering_readable(&f->ring) != 0)
                return;

        f->rx_dirty = 0;
        rx_drain(f, 1);
}

static int rx_ready(void * arg)
{
        struct eflow * f = arg;

        return ering_readable(&f->ring);
}

ssize_t erflow_read(struct eflow * f,
                    struct iovec * iov,
                    int            iovcnt,
                    int64_t        timeo)
{
        int     first    = timeo == JOUR_TRY_FIRST;
        int64_t deadline;
        int     drained  = 0;
        int     end      = 0;
        int     w;
        int     wake;
        short   sev;
        ssize_t n;
        int     ret;

        if (first)
                timeo = 0; /* a try, without the look for the end */
        deadline = jour_deadline(timeo);

        for (;;) {
                if (atomic_load(&f->broken))
                        return -EJOUR_PROTO;

                n = ering_get(&f->ring, iov, iovcnt, &wake);
                if (n >= 0) {
                        eflow_count(&f->shm->dir[1 - f->tx].rcvd, &f->taken,
                                    1);
                        if (wake)
                                ewake_signal(f->peer_sp_efd);
                        if (f->rx_dirty ||
                            (atomic_load(&f->watched) & WATCH_EDGE))
                                rx_settle(f);
                        return n;
                }
                if (n == -EJOUR_PROTO)
                        return eflow_broken(f);
                if (n != -EAGAIN)
                        return n;

                /* A flow set's look reads the published tail: keep it ours. */
                ering_rx_republish(&f->ring);

                /* Empty, after what the peer sent before its end. */
                if (end) {
                        atomic_store(&f->down, 1);
                        return -EFLOWDOWN;
                }

                /*
                 * Before a wait: a wake-up may be left in our eventfd (a
                 * flow set's, or a sleep's), drained once an empty ring is
                 * seen, then the ring once more, so the sleep neither ends
                 * at once for it nor misses an SDU that came meanwhile. A
                 * read that does not wait leaves it (flow sets watch the
                 * eventfd edge-triggered, and a selector's look drains
                 * it), unless a FlowSet watches (WATCH_EDGE).
                 */
                w = atomic_load(&f->watched);
                if (!drained && (timeo != 0 || (w & WATCH_EDGE)) &&
                    (f->rx_dirty || w)) {
                        drained     = 1;
                        f->rx_dirty = 0;
                        rx_drain(f, 1);
                        continue;
                }

                /* A first try leaves the end to the wait that follows it. */
                if (first)
                        return -EAGAIN;
                if (timeo == 0) {
                        ret = sock_end(f);
                        if (ret < 0)
                                return ret;
                        if (ret == 0)
                                return -EAGAIN;
                        end = 1;
                        continue;
                }

                ret = spin_wait(&f->rxspin, rx_ready, f,
                                 ering_peer_here(&f->ring, 1), deadline);
                if (ret < 0)
                        return eflow_broken(f);
                if (ret > 0)
                        continue;

                /* Store the flag, full fence, look again, then sleep. */
                ering_rx_sleep(&f->ring, 1);
                ret = ering_readable(&f->ring);
                if (ret != 0) {
                        ering_rx_sleep(&f->ring, 0);
                        if (ret < 0)
                                return eflow_broken(f);
                        continue;
                }

                ret = ewake_sleep(f->rx_efd, f->fd, deadline, &sev);
                ering_rx_sleep(&f->ring, 0);
                f->rx_dirty = 1;
                drained     = 0;
                if (ret < 0)
                        return ret;

                if (sev != 0) {
                        ret = sock_end(f);
                        if (ret < 0)
                                return ret;
                        end = ret;
                }
        }
}

struct tx_arg {
        struct eflow * f;
        size_t         len;
};

static int tx_ready(void * arg)
{
        struct tx_arg * a = arg;

        return ering_writable(&a->f->ring, a->len);
}

/* The writer's look at the end: 0 alive, or -EFLOWDOWN / -errno. */
static int tx_end(struct eflow * f)
{
        int ret = sock_end(f);

        f->live_at = jour_now_ns();

        if (ret == 1) {
                atomic_store(&f->down, 1);
                return -EFLOWDOWN;
        }

        return ret;
}

/*
 * Whether the peer wrote to us within ELIVE_NS of now, by its stamp (a
 * stamp ahead of now by more than that is garbage); if so, that is as
 * good as our own look at the socket then (f->live_at).
 */
static int peer_fresh(struct eflow * f,
                      int64_t        now)
{
        int64_t at = ering_rx_stamp(&f->ring);

        if (at <= now - ELIVE_NS || at > now + ELIVE_NS)
                return 0;

        f->live_at = at < now ? at : now;

        return 1;
}

ssize_t erflow_write(struct eflow * f,
                     const void *   buf,
                     size_t         len,
                     int64_t        timeo)
{
        uint64_t *    sent = &f->shm->dir[f->tx].sent;
        int64_t       deadline = jour_deadline(timeo);
        struct tx_arg a = { f, len };
        int64_t       now;
        int           wake;
        short         sev;
        int           ret;

        /* The end, once seen (by a read or a write), stays. */
        if (atomic_load(&f->down))
                return -EFLOWDOWN;

        now = jour_now_ns();
        ering_tx_stamp(&f->ring, now);
        if (now - f->live_at >= ELIVE_NS && !peer_fresh(f, now)) {
                ret = tx_end(f);
                if (ret < 0)
                        return ret;
        }

        for (;;) {
                if (atomic_load(&f->broken))
                        return -EJOUR_PROTO;

                /* Count first, so the reader never sees more read than sent. */
                eflow_count(sent, &f->given, 1);
                ret = ering_put(&f->ring, buf, len, &wake);
                if (ret == 0) {
                        if (wake)
                                ewake_signal(f->peer_rx_efd);
                        return (ssize_t) len;
                }
                eflow_count(sent, &f->given, -1);

                if (ret == -EJOUR_PROTO)
                        return eflow_broken(f);
                if (ret != -EAGAIN)
                        return ret;

                /* Full: a reader that is gone never makes room. */
                ret = tx_end(f);
                if (ret < 0)
                        return ret;

                if (timeo != 0) {
                        ret = spin_wait(&f->txspin, tx_ready, &a,
                                         ering_peer_here(&f->ring, 0),
                                         deadline);
                        if (ret < 0)
                                return eflow_broken(f);
                        if (ret > 0)
                                continue;
                }

                /* Drain, store the flag, full fence, look again. */
                ewake_drain(f->sp_efd);
                ering_tx_wait(&f->ring);
                ret = ering_writable(&f->ring, len);
                if (ret < 0)
                        return eflow_broken(f);
                if (ret > 0)
                        continue;

                if (timeo == 0)
                        return -EAGAIN;

                ret = ewake_sleep(f->sp_efd, f->fd, deadline, &sev);
                if (ret < 0)
                        return ret;

                if (sev != 0) {
                        ret = tx_end(f);
                        if (ret < 0)
                                return ret;
                }
        }
}
