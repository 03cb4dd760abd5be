/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The embedded layer's data plane. A unicast flow moves its SDUs through
 * a shared-memory ring per direction (embedded_ring.h, embedded_rflow.c)
 * when both ends agree on it in the handshake; otherwise (a peer that
 * offers only the counters page) through its connected SOCK_SEQPACKET
 * socket, one message per SDU (a type byte first), so boundaries are kept
 * by the kernel. Either way the socket stays the flow's control: peer
 * death is an immediate end of file on it. The queue counters of both
 * directions sit in the sealed memfd the two ends share
 * (embedded_handshake.h). A broadcast member reads its SOCK_DGRAM socket
 * here too; what it sends goes out in embedded_bcast.c.
 *
 * The rest of the layer sees struct eflow only through embedded.h: a
 * connected socket comes in, the shared page is set up during the
 * handshake, and eflow_start turns the socket over to the data.
 *
 * Guards: see embedded_flow.h.
 *
 * The shared page is input from the peer, like bytes from its socket: it
 * is read in one place only, peer_counter() below, which says what a
 * value may be.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "embedded.h"
#include "embedded_flow.h"
#include "embedded_handshake.h"
#include "errors.h"

/* Flow ends on rings alive in this process (ering_affordable). */
static atomic_int ering_ends;


struct eflow * eflow_new(int fd,
                         int bcast)
{
        struct eflow * f = calloc(1, sizeof(*f));
        int            i;

        if (f == NULL)
                return NULL;

        f->fd          = fd;
        f->bcast       = bcast;
        f->bc.dir      = -1;
        f->rcvtimeo    = -2;
        f->rx_efd      = -1;
        f->sp_efd      = -1;
        f->peer_rx_efd = -1;
        f->peer_sp_efd = -1;
        for (i = 0; i < EFD_N; ++i)
                f->efd[i] = -1;
        for (i = 0; i < E_RING_FDS; ++i)
                f->watch[i] = -1;
        spin_init(&f->rxspin);
        spin_init(&f->txspin);
        atomic_init(&f->closing, 0);
        atomic_init(&f->down, 0);
        atomic_init(&f->broken, 0);
        atomic_init(&f->watched, 0);

        return f;
}

void eflow_release(struct eflow * f)
{
        f->fd = -1;
        e_flow_dealloc(f);
}

int eflow_closing(struct eflow * f)
{
        return atomic_load(&f->closing);
}

struct ebcast * eflow_bcast(struct eflow * f)
{
        return f->bcast ? &f->bc : NULL;
}

void e_flow_dealloc(void * lf)
{
        struct eflow * f = lf;
        int            i;

        if (f == NULL)
                return;

        if (f->shm != NULL)
                munmap(f->shm, f->shm_size);

        if (f->ring_counted)
                atomic_fetch_sub(&ering_ends, 1);

        for (i = 0; i < E_RING_FDS; ++i)
                if (f->watch[i] >= 0)
                        close(f->watch[i]);

        for (i = 0; i < EFD_N; ++i)
                if (f->efd[i] >= 0)
                        close(f->efd[i]);

        if (f->bcast)
                ebcast_leave(&f->bc);

        if (f->fd >= 0)
                close(f->fd);

        free(f);
}

void e_flow_wake(void * lf)
{
        struct eflow * f = lf;

        atomic_store(&f->closing, 1);

        /* Wakes every poll on it: reads see end of file, writes EPIPE. */
        (void) shutdown(f->fd, SHUT_RDWR);
}

/*
 * Whether one more flow end may take the rings: an end on rings holds
 * seven descriptors (its socket, four eventfds and the private epoll sets
 * over its own two, ewake_watch_new) where one on the socket holds one,
 * so rings are taken while the ends on them need at most half of
 * RLIMIT_NOFILE; past that, flows stay on their socket (10,000 flows in
 * one process fit in a limit of 20,000 only so).
 */
int ering_affordable(void)
{
        struct rlimit rl;
        long          cost = 3 * E_RING_FDS + 1;

        if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
                return 1;

        return (atomic_load(&ering_ends) + 1) * cost < (long) (rl.rlim_cur / 2);
}

void ering_counted(struct eflow * f)
{
        f->ring_counted = 1;
        atomic_fetch_add(&ering_ends, 1);
}

int eflow_shared_create(struct eflow * f,
                        int *          efds,
                        int            ring)
{
        void * p;
        int    fd;
        int    i;

        /* Ours: data arrived (0), room to write (1: there is). */
        for (i = 0; ring && i < E_RING_FDS; ++i) {
                int e = ewake_new(i == 1);
                if (e < 0)
                        return e; /* e_flow_dealloc closes the other */
                f->efd[EFD_C_RX + i] = e;
                efds[i] = e;
                e = ewake_watch_new(e);
                if (e < 0)
                        return e;
                f->watch[i] = e;
        }
        f->rx_efd = f->efd[EFD_C_RX];
        f->sp_efd = f->efd[EFD_C_SP];

        fd = memfd_create("jouroboros-flow", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (fd < 0)
                return -errno;

        /* The counters page and the rings: the rings are an offer. */
        if (ftruncate(fd, ring ? ERING_SHM_SIZE : HS_SHM_SIZE) < 0 ||
            fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW |
                  F_SEAL_SEAL) < 0) {
                int e = errno;
                close(fd);
                return -e;
        }

        p = mmap(NULL, ring ? ERING_SHM_SIZE : HS_SHM_SIZE,
                 PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED) {
                int e = errno;
                close(fd);
                return -e;
        }

        f->shm      = p;
        f->shm_size = ring ? ERING_SHM_SIZE : HS_SHM_SIZE;
        f->tx       = 0;
        if (ring)
                ering_init(&f->ring, f->shm, f->tx);

        return fd;
}

/*
 * A peer's memfd is mapped only if it can never shrink under us (SIGBUS).
 * One of exactly ERING_SHM_SIZE bytes offers the rings too: all of it is
 * mapped, and 1 says so; any other size is the counters page alone (0).
 */
int eflow_shared_map(struct eflow * f,
                     int            memfd)
{
        struct stat st;
        size_t      size = HS_SHM_SIZE;
        int         seals;
        void *      p;

        if (fstat(memfd, &st) < 0 || !S_ISREG(st.st_mode) ||
            st.st_size < HS_SHM_SIZE)
                return -EJOUR_PROTO;

        seals = fcntl(memfd, F_GET_SEALS);
        if (seals < 0 || !(seals & F_SEAL_SHRINK))
                return -EJOUR_PROTO;

        if (st.st_size == ERING_SHM_SIZE)
                size = ERING_SHM_SIZE;

        p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
        if (p == MAP_FAILED)
                return -errno;

        f->shm      = p;
        f->shm_size = size;
        f->tx       = 1;

        return size == ERING_SHM_SIZE;
}

/*
 * The peer broke the protocol: the flow is down for good, every call on
 * it fails with EJOUR_PROTO from now on, and the shutdown wakes whoever
 * waits on it (a flow set sees it down) and ends the flow for the peer.
 */
int eflow_broken(struct eflow * f)
{
        atomic_store(&f->broken, 1);
        atomic_store(&f->down, 1);
        (void) shutdown(f->fd, SHUT_RDWR);

        return -EJOUR_PROTO;
}

/*
 * The most SDUs one direction of a flow can hold: a message in an AF_UNIX
 * socket's queue is charged to its sender's send buffer with its sk_buff
 * (767 bytes for a 1-byte SDU on Linux 6.18, never under 512), and no
 * sender's buffer exceeds twice the largest of net.core.wmem_max,
 * net.core.wmem_default and what we ask for. Read once; a generous
 * default when /proc cannot tell.
 */
#define E_QUEUED_DEFAULT  65536
#define E_SKB_MIN         512

static uint64_t max_queued;
static pthread_once_t max_queued_once = PTHREAD_ONCE_INIT;

static long sysctl_long(const char * path)
{
        FILE * fp = fopen(path, "re");
        long   v = -1;

        if (fp == NULL)
                return -1;

        if (fscanf(fp, "%ld", &v) != 1)
                v = -1;

        (void) fclose(fp);

        return v;
}

static void max_queued_init(void)
{
        long m = sysctl_long("/proc/sys/net/core/wmem_max");
        long d = sysctl_long("/proc/sys/net/core/wmem_default");
        long b = E_SNDBUF;

        if (m < 0 || d < 0) {
                max_queued = E_QUEUED_DEFAULT;
                return;
        }

        b = m > b ? m : b;
        b = d > b ? d : b;
        max_queued = (uint64_t) b * 2 / E_SKB_MIN;
}

enum peer_ctr {
        PEER_SENT, /* SDUs the peer sent us: rx queue, packet events */
        PEER_RCVD  /* SDUs the peer took of ours: tx queue           */
};

/*
 * THE ONE PLACE THAT READS THE COUNTER PAGE, memory the peer can write.
 * The rule for every value a peer can write: it is read in one place per
 * kind of shared memory (this page here; the rings' indexes and record
 * lengths in embedded_ring.c, "THE PLACE THAT READS THE RINGS") and
 * checked against what is physically possible before anything uses it; a
 * value out of range takes the flow down (eflow_broken: EJOUR_PROTO on
 * every call after), and a value from a peer never sizes an allocation or
 * a loop. Keep it so.
 *
 * What is possible, with our own counts (taken, given: never in shared
 * memory) read before and after the peer's value, so a reader or writer
 * of ours running meanwhile cannot fail an honest peer:
 *  - the peer's sent: at least what we took (it counts before it sends;
 *    it takes back only a count whose send failed), at most what we took
 *    plus what its socket can hold, plus one it counted and has not sent
 *    and one we took and have not counted;
 *  - the peer's rcvd: at most what we gave (same reasons), at least what
 *    we gave less what our socket can hold and those two.
 * So a counter never goes back below what we already saw through our own
 * counts, nor runs ahead of the socket.
 *
 * Returns 0 and the value in *v, or -EJOUR_PROTO.
 */
static int peer_counter(struct eflow *  f,
                        enum peer_ctr   which,
                        uint64_t *      v)
{
        const uint64_t * ours;
        const uint64_t * theirs;
        uint64_t         lo;
        uint64_t         hi;
        uint64_t         slack;
        uint64_t         x;

        if (atomic_load(&f->broken))
                return -EJOUR_PROTO;

        if (pthread_once(&max_queued_once, max_queued_init) != 0)
                return -ENOMEM;

        slack = (f->ring_on ? ERING_MAX_RECS : max_queued) + 2;

        if (which == PEER_SENT) {
                ours   = &f->taken;
                theirs = &f->shm->dir[1 - f->tx].sent;
        } else {
                ours   = &f->given;
                theirs = &f->shm->dir[f->tx].rcvd;
        }

        lo = __atomic_load_n(ours, __ATOMIC_ACQUIRE);
        x  = __atomic_load_n(theirs, __ATOMIC_ACQUIRE);
        hi = __atomic_load_n(ours, __ATOMIC_ACQUIRE);

        if (which == PEER_SENT) {
                if (x < lo || (x > hi && x - hi > slack))
                        return eflow_broken(f);
        } else {
                if (x > hi || (lo > slack && x < lo - slack))
                        return eflow_broken(f);
        }

        *v = x;

        return 0;
}

/* Publishes one of our own counts to the peer (it validates what it reads). */
void eflow_count(uint64_t * shared,
                 uint64_t * ours,
                 int64_t    delta)
{
        uint64_t n = __atomic_load_n(ours, __ATOMIC_RELAXED) + (uint64_t) delta;

        __atomic_store_n(ours, n, __ATOMIC_RELEASE);
        __atomic_store_n(shared, n, __ATOMIC_RELEASE);
}

/* Data sockets block in recvmsg; every other call passes MSG_DONTWAIT. */
int eflow_start(struct eflow * f)
{
        int fl = fcntl(f->fd, F_GETFL);

        if (fl < 0 || fcntl(f->fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
                return -errno;

        return 0;
}

/* Sets SO_RCVTIMEO (ns, -1 = none) if it differs from what is set. */
static int set_rcvtimeo(struct eflow * f,
                        int64_t        ns)
{
        struct timeval tv = { 0, 0 };

        if (ns == 0)
                ns = 1000; /* 0 would mean "none": the least wait instead */

        if (ns == f->rcvtimeo)
                return 0;

        if (ns > 0) {
                tv.tv_sec  = ns / 1000000000LL;
                tv.tv_usec = (ns % 1000000000LL) / 1000;
                if (tv.tv_sec == 0 && tv.tv_usec == 0)
                        tv.tv_usec = 1;
        }

        if (setsockopt(f->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
                return -errno;

        f->rcvtimeo = ns;

        return 0;
}

ssize_t e_flow_read(void *         lf,
                    struct iovec * iov,
                    int            iovcnt,
                    int64_t        timeo)
{
        struct eflow * f = lf;
        struct iovec   v[4];
        struct msghdr  m;
        uint8_t        hdr;
        int64_t        deadline;
        ssize_t        n;
        int            i;
        int            ret;
        int            eof_seen = 0;

        if (iovcnt > 3)
                return -EINVAL;

        if (f->ring_on)
                return erflow_read(f, iov, iovcnt, timeo);

        /* The socket's own read sees its end: nothing to spare. */
        if (timeo == JOUR_TRY_FIRST)
                timeo = 0;
        deadline = jour_deadline(timeo);

        v[0].iov_base = &hdr;
        v[0].iov_len  = 1;
        for (i = 0; i < iovcnt; ++i)
                v[i + 1] = iov[i];

        for (;;) {
                int blocking = timeo != 0 && !f->bcast && !eof_seen;

                if (atomic_load(&f->broken))
                        return -EJOUR_PROTO;

                memset(&m, 0, sizeof(m));
                m.msg_iov    = v;
                m.msg_iovlen = (size_t) iovcnt + 1;

                /*
                 * A blocking read sleeps in recvmsg itself: one system call,
                 * not three. close() still wakes it: shutdown() ends every
                 * wait on the socket. A timeout is SO_RCVTIMEO.
                 */
                if (blocking) {
                        ret = set_rcvtimeo(f, jour_remaining(deadline));
                        if (ret < 0)
                                return ret;
                }

                n = recvmsg(f->fd, &m, blocking ? 0 : MSG_DONTWAIT);
                if (n > 0) {
                        if (hdr != MSG_DATA || (m.msg_flags & MSG_TRUNC) ||
                            (size_t) n - 1 > E_MAX_SDU) {
                                if (f->bcast)
                                        continue; /* drop a stray datagram */
                                return eflow_broken(f);
                        }
                        if (f->shm != NULL)
                                eflow_count(&f->shm->dir[1 - f->tx].rcvd,
                                              &f->taken, 1);
                        return n - 1;
                }

                /*
                 * The end, but look once more: a recvmsg that found the
                 * queue empty and then sees the peer's shutdown says 0
                 * even when the peer sent just before it shut down (the
                 * kernel's SEQPACKET check, __unix_dgram_recvmsg; seen
                 * in 7 of 12,000 non-blocking reads of a small C race).
                 * Nothing can be sent after the shutdown, so one more
                 * try without waiting takes what is left.
                 */
                if (n == 0 && !eof_seen) {
                        eof_seen = 1;
                        continue;
                }
                if (n == 0) {
                        atomic_store(&f->down, 1);
                        return -EFLOWDOWN;
                }

                if (errno == EINTR)
                        continue;

                /*
                 * A peer that closes with our data unread in its queue
                 * leaves ECONNRESET, reported once, before what it sent:
                 * read on, the data and then the end of file follow.
                 */
                if (errno == ECONNRESET) {
                        atomic_store(&f->down, 1);
                        continue;
                }

                if (errno != EAGAIN) {
                        if (errno == ENOTCONN) {
                                atomic_store(&f->down, 1);
                                return -EFLOWDOWN;
                        }
                        return -errno;
                }

                if (eof_seen) { /* nothing was left: the end it said */
                        atomic_store(&f->down, 1);
                        return -EFLOWDOWN;
                }

                if (timeo == 0)
                        return -EAGAIN;

                if (blocking) {
                        if (jour_remaining(deadline) == 0)
                                return -ETIMEDOUT;
                        continue;
                }

                ret = esock_wait(f->fd, POLLIN, deadline);
                if (ret < 0)
                        return ret;
        }
}

static ssize_t flow_send(struct eflow * f,
                         const void *   buf,
                         size_t         len,
                         int64_t        timeo)
{
        uint8_t        hdr = MSG_DATA;
        struct iovec   v[2];
        struct msghdr  m;
        int64_t        deadline = jour_deadline(timeo);
        uint64_t *     sent = NULL;
        ssize_t        n;
        int            ret;

        v[0].iov_base = &hdr;
        v[0].iov_len  = 1;
        v[1].iov_base = (void *) buf;
        v[1].iov_len  = len;

        memset(&m, 0, sizeof(m));
        m.msg_iov    = v;
        m.msg_iovlen = 2;

        if (f->shm != NULL)
                sent = &f->shm->dir[f->tx].sent;

        for (;;) {
                if (atomic_load(&f->broken))
                        return -EJOUR_PROTO;

                /* Count first, so the reader never sees more read than sent. */
                if (sent != NULL)
                        eflow_count(sent, &f->given, 1);

                n = sendmsg(f->fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL);
                if (n >= 0)
                        return (ssize_t) len;

                if (sent != NULL)
                        eflow_count(sent, &f->given, -1);

                if (errno == EINTR)
                        continue;

                if (errno == EPIPE || errno == ECONNRESET ||
                    errno == ENOTCONN) {
                        atomic_store(&f->down, 1);
                        return -EFLOWDOWN;
                }

                if (errno != EAGAIN)
                        return -errno;

                if (timeo == 0)
                        return -EAGAIN;

                ret = esock_wait(f->fd, POLLOUT, deadline);
                if (ret < 0)
                        return ret;
        }
}


ssize_t e_flow_write(void *       lf,
                     const void * buf,
                     size_t       len,
                     int64_t      timeo)
{
        struct eflow * f = lf;

        if (len > E_MAX_SDU)
                return -EMSGSIZE;

        if (atomic_load(&f->broken))
                return -EJOUR_PROTO;

        if (atomic_load(&f->closing))
                return -EFLOWDOWN;

        if (f->ring_on)
                return erflow_write(f, buf, len, timeo);

        return f->bcast ? ebcast_send(f, buf, len, timeo) :
                flow_send(f, buf, len, timeo);
}

int e_flow_queue_len(void * lf,
                     int    rx)
{
        struct eflow * f = lf;
        uint64_t       s;
        uint64_t       r;
        int            ret;

        if (f->shm == NULL)
                return -ENOTSUP;

        /* One side is our own count, the other checked by peer_counter. */
        if (rx) {
                r   = __atomic_load_n(&f->taken, __ATOMIC_ACQUIRE);
                ret = peer_counter(f, PEER_SENT, &s);
        } else {
                ret = peer_counter(f, PEER_RCVD, &r);
                s   = __atomic_load_n(&f->given, __ATOMIC_ACQUIRE);
        }
        if (ret < 0)
                return ret;

        /* Our own count may have moved on since: never below 0. */
        if (s < r)
                return 0;

        return s - r > INT32_MAX ? INT32_MAX : (int) (s - r);
}

int64_t e_flow_arrived(void * lf)
{
        struct eflow * f = lf;
        uint64_t       s;
        int            ret;

        if (f->shm == NULL)
                return -ENOTSUP;

        ret = peer_counter(f, PEER_SENT, &s);
        if (ret < 0)
                return ret;

        return (int64_t) (s & INT64_MAX);
}

size_t e_flow_max_sdu(void * lf)
{
        (void) lf;

        return E_MAX_SDU;
}

int e_flow_fd(void * lf)
{
        return ((struct eflow *) lf)->fd;
}

int e_flow_is_down(void * lf)
{
        struct eflow * f = lf;
        struct pollfd  p = { .fd = f->fd, .events = POLLRDHUP, .revents = 0 };

        if (atomic_load(&f->down))
                return 1;

        if (f->bcast)
                return 0;

        if (poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLRDHUP |
                                                  POLLERR)))
                return 1;

        return 0;
}
