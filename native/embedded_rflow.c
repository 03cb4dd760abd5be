/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The shared-memory data plane of a unicast flow: read and write through
 * the rings of embedded_ring.h, with no system call while the other side
 * keeps up; a short spin, then a sleep on an eventfd and the flow's
 * socket together (embedded_wake.c) when it does not.
 *
 * The socket carries no data any more, only the end: the peer's close or
 * death (end of file), and our own close() (e_flow_wake's shutdown, which
 * wakes every sleeper). A reader looks at it when the ring is empty and it
 * will not wait, and sleeps on it; a writer looks at it when the ring is
 * full, and otherwise once every ELIVE_NS, so a write to a peer that died
 * fails at once (within that time) although no write needs the peer. A
 * byte on the socket after the handshake breaks the protocol.
 *
 * The SDU counters of embedded_flow.c stay as they are: the writer counts
 * an SDU before it puts it in the ring, the reader after it took it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/socket.h>

#include "clock.h"
#include "embedded_flow.h"
#include "errors.h"

#define ELIVE_NS  (200LL * 1000) /* how often a writer looks for the end */

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
        int64_t deadline = jour_deadline(timeo);
        int     drained  = 0;
        int     end      = 0;
        int     wake;
        short   sev;
        ssize_t n;
        int     ret;

        for (;;) {
                if (atomic_load(&f->broken))
                        return -EJOUR_PROTO;

                n = ering_get(&f->ring, iov, iovcnt, &wake);
                if (n >= 0) {
                        eflow_count(&f->shm->dir[1 - f->tx].rcvd, &f->taken,
                                    1);
                        if (wake)
                                ewake_signal(f->peer_sp_efd);
                        return n;
                }
                if (n == -EJOUR_PROTO)
                        return eflow_broken(f);
                if (n != -EAGAIN)
                        return n;

                /* Empty, after what the peer sent before its end. */
                if (end) {
                        atomic_store(&f->down, 1);
                        return -EFLOWDOWN;
                }

                /*
                 * A wake-up may be left in our eventfd (a flow set, or a
                 * sleep): drained once an empty ring is seen, then the
                 * ring once more, so a flow set never sees an empty ring
                 * readable, nor misses an SDU that came meanwhile.
                 */
                if (!drained && (f->rx_dirty || atomic_load(&f->watched))) {
                        drained     = 1;
                        f->rx_dirty = 0;
                        ewake_drain(f->rx_efd);
                        __atomic_thread_fence(__ATOMIC_SEQ_CST);
                        continue;
                }

                if (timeo == 0) {
                        ret = sock_end(f);
                        if (ret < 0)
                                return ret;
                        if (ret == 0)
                                return -EAGAIN;
                        end = 1;
                        continue;
                }

                ret = espin_wait(&f->rxspin, rx_ready, f, deadline);
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

ssize_t erflow_write(struct eflow * f,
                     const void *   buf,
                     size_t         len,
                     int64_t        timeo)
{
        uint64_t *    sent = &f->shm->dir[f->tx].sent;
        int64_t       deadline = jour_deadline(timeo);
        struct tx_arg a = { f, len };
        int           wake;
        short         sev;
        int           ret;

        /* The end, once seen (by a read or a write), stays. */
        if (atomic_load(&f->down))
                return -EFLOWDOWN;

        if (jour_now_ns() - f->live_at >= ELIVE_NS) {
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
                        ret = espin_wait(&f->txspin, tx_ready, &a, deadline);
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
