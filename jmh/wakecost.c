/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What one wake-up of a ring flow costs with each descriptor the embedded
 * layer could carry it with, in one thread (no peer, no sleep): a signal,
 * the epoll_wait of a flow set that reports it, and the drain, as the
 * layer makes them (native/embedded_wake.c):
 *  - eventfd (the layer's): fcntl(F_GETFL) before the write (the peer may
 *    have cleared O_NONBLOCK), epoll through a private nested set, drain
 *    with preadv2(RWF_NOWAIT);
 *  - pipe: pwritev2(RWF_NOWAIT), epoll on the read end, read (not used:
 *    a peer holding an end can hold the pipe's lock, splice);
 *  - AF_UNIX datagram socketpair: send(MSG_DONTWAIT | MSG_NOSIGNAL),
 *    epoll on our end, recv until EAGAIN (safe, and the slowest);
 * and, to price the eventfd's two safeguards apart, another eventfd with
 * the flow set's epoll on it directly (no private set between: what the
 * set costs) and the first without the fcntl (what the look at
 * O_NONBLOCK costs).
 *
 *   gcc -O2 -Wall -Wextra -Werror -o /tmp/wakecost jmh/wakecost.c
 *   taskset -c 1 /tmp/wakecost
 *
 * Prints ns per round, three times each, alternating.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 500000

static long long now_ns(void)
{
        struct timespec t;

        if (clock_gettime(CLOCK_MONOTONIC, &t) < 0)
                return -1;

        return t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* An epoll set over fd (EPOLLIN, level), or -1. */
static int watch(int fd)
{
        struct epoll_event ev = { .events = EPOLLIN };
        int                ep = epoll_create1(EPOLL_CLOEXEC);

        if (ep < 0)
                return -1;
        if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
                close(ep);
                return -1;
        }

        return ep;
}

/*
 * One round: 0, or -1 when a call failed in a way a wake-up never does.
 * look: the fcntl(F_GETFL) before the write, as the layer makes it.
 */
static int ev_round(int efd, int ep, int look)
{
        uint64_t           v = 1;
        struct iovec       iov = { .iov_base = &v, .iov_len = sizeof(v) };
        struct epoll_event got;
        int                fl = look ? fcntl(efd, F_GETFL) : O_NONBLOCK;

        if (fl < 0)
                return -1;
        if ((fl & O_NONBLOCK) && write(efd, &v, sizeof(v)) < 0)
                return -1;
        if (epoll_wait(ep, &got, 1, 0) != 1)
                return -1;
        if (preadv2(efd, &iov, 1, -1, RWF_NOWAIT) < 0)
                return -1;

        return 0;
}

static int pipe_round(const int p[2], int ep)
{
        uint8_t            b[256];
        struct iovec       iov = { .iov_base = b, .iov_len = 1 };
        struct epoll_event got;

        if (pwritev2(p[1], &iov, 1, -1, RWF_NOWAIT) < 0)
                return -1;
        if (epoll_wait(ep, &got, 1, 0) != 1)
                return -1;
        if (read(p[0], b, sizeof(b)) < 0)
                return -1;

        return 0;
}

static int dgram_round(const int s[2], int ep)
{
        uint8_t            b[64] = { 0 };
        struct epoll_event got;

        if (send(s[1], b, 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
                return -1;
        if (epoll_wait(ep, &got, 1, 0) != 1)
                return -1;
        while (recv(s[0], b, sizeof(b), MSG_DONTWAIT) >= 0)
                ;

        return errno == EAGAIN ? 0 : -1;
}

/* The descriptors of every way, each with the epoll set that watches it. */
struct fds {
        int efd;    /* watched through a private set (inner), in outer */
        int outer;
        int efd2;   /* watched by direct alone */
        int direct;
        int p[2];
        int pep;
        int s[2];
        int sep;
};

static int way_eventfd(const struct fds * f)
{
        return ev_round(f->efd, f->outer, 1);
}

static int way_direct(const struct fds * f)
{
        return ev_round(f->efd2, f->direct, 1);
}

static int way_nolook(const struct fds * f)
{
        return ev_round(f->efd, f->outer, 0);
}

static int way_pipe(const struct fds * f)
{
        return pipe_round(f->p, f->pep);
}

static int way_dgram(const struct fds * f)
{
        return dgram_round(f->s, f->sep);
}

/* In the order they are printed. */
static int (* const ways[])(const struct fds *) = {
        way_eventfd, way_direct, way_nolook, way_pipe, way_dgram
};
#define NWAYS ((int) (sizeof(ways) / sizeof(ways[0])))

int main(void)
{
        struct fds f;
        int        inner;
        int        rep, w, i;

        f.efd  = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        f.efd2 = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (f.efd < 0 || f.efd2 < 0 || pipe2(f.p, O_NONBLOCK | O_CLOEXEC) < 0 ||
            socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                       0, f.s) < 0) {
                perror("wakecost: descriptors");
                return 1;
        }
        inner    = watch(f.efd);
        f.outer  = inner < 0 ? -1 : watch(inner);
        f.direct = watch(f.efd2);
        f.pep    = watch(f.p[0]);
        f.sep    = watch(f.s[0]);
        if (f.outer < 0 || f.direct < 0 || f.pep < 0 || f.sep < 0) {
                perror("wakecost: epoll");
                return 1;
        }

        for (rep = 0; rep < 3; ++rep) {
                long long ns[NWAYS];

                for (w = 0; w < NWAYS; ++w) {
                        long long t0 = now_ns();

                        for (i = 0; i < ROUNDS; ++i)
                                if (ways[w](&f) < 0)
                                        goto fail;
                        ns[w] = (now_ns() - t0) / ROUNDS;
                }
                printf("eventfd %4lld ns (no private set %4lld, no fcntl %4lld)   "
                       "pipe %4lld ns   dgram socket %4lld ns\n",
                       ns[0], ns[1], ns[2], ns[3], ns[4]);
        }

        return 0;
 fail:
        perror("wakecost: a round");
        return 1;
}
