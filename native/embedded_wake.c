/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Waiting on a ring (embedded_ring.h): the eventfds that carry wake-ups
 * between the two ends, and the sleep, in poll() on the eventfd and the
 * flow's socket together, so the peer's death (end of file on the socket)
 * and close() (our own shutdown of it) wake a sleeper as data does. The
 * short spin before it is spin.c's.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "embedded_wake.h"
#include "errors.h"

int ewake_new(unsigned int initial)
{
        int fd = eventfd(initial, EFD_NONBLOCK | EFD_CLOEXEC);

        return fd < 0 ? -errno : fd;
}

/* A descriptor the peer handed over is used only if it is an eventfd. */
int ewake_check(int fd)
{
        static const char want[] = "anon_inode:[eventfd]";
        char              path[64];
        char              link[sizeof(want) + 1];
        ssize_t           n;
        int               fl;

        (void) snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        n = readlink(path, link, sizeof(link));
        if (n != (ssize_t) sizeof(want) - 1 || memcmp(link, want, n) != 0)
                return -EJOUR_PROTO;

        fl = fcntl(fd, F_GETFL);
        if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
                return -errno;

        return 0;
}

/*
 * The peer holds these eventfds too (each end hands its own over), so it
 * shares their file descriptions: it can clear O_NONBLOCK and fill or
 * empty a counter at any time, and a blocking read or write of ours would
 * then wait for it forever (close() does not wake it). So neither call
 * trusts the description's flag: a read asks for no wait itself
 * (RWF_NOWAIT), and a write, which no kernel lets ask so, is made only
 * while the description is non-blocking; a peer that clears the flag
 * gets no wake-up (a peer that races us between the look and the write
 * still could make us wait: the look narrows that to a few instructions,
 * which a peer toggling the flag in a loop can hit; README.md lists it).
 * Tried instead and dropped: pipes, whose writes take RWF_NOWAIT, but a
 * peer holding either end can hold the pipe's lock without end (splice
 * from an idle socket), and our read or write then sleeps uninterruptibly
 * on it; datagram socketpairs, safe (MSG_DONTWAIT), but 40 to 55 % more
 * per wake-up than this (jmh/README.md).
 */
void ewake_signal(int fd)
{
        uint64_t v = 1;
        int      fl;

        fl = fcntl(fd, F_GETFL);
        if (fl < 0 || !(fl & O_NONBLOCK))
                return;

        if (write(fd, &v, sizeof(v)) < 0) {
                /*
                 * EAGAIN: the counter is full. Only a peer's write of a
                 * huge value fills it (ours add 1: 2^64 of them never
                 * come), and a set watching it edge-triggered then gets
                 * no edge from us: that peer only keeps its own SDUs from
                 * being reported.
                 */
        }
}

void ewake_drain(int fd)
{
        uint64_t     v;
        struct iovec iov = { .iov_base = &v, .iov_len = sizeof(v) };
        int          fl;

        if (preadv2(fd, &iov, 1, -1, RWF_NOWAIT) >= 0 || errno != EOPNOTSUPP)
                return; /* EAGAIN: nothing to drain */

        /* A kernel without RWF_NOWAIT for eventfds: as a write. */
        fl = fcntl(fd, F_GETFL);
        if (fl < 0 || !(fl & O_NONBLOCK))
                return;

        if (read(fd, &v, sizeof(v)) < 0) {
                /* EAGAIN: nothing to drain. */
        }
}

int ewake_watch_new(int efd)
{
        struct epoll_event ev;
        int                ep;

        ep = epoll_create1(EPOLL_CLOEXEC);
        if (ep < 0)
                return -errno;

        ev.events   = EPOLLIN;
        ev.data.u64 = 0;
        if (epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev) < 0) {
                int e = errno;
                close(ep);
                return -e;
        }

        return ep;
}

int ewake_sleep(int       efd,
                int       sock,
                int64_t   deadline,
                short *   sock_ev)
{
        struct pollfd   p[2];
        struct timespec ts;
        int64_t         rem = jour_remaining(deadline);
        int             n;

        *sock_ev = 0;

        if (rem == 0)
                return -ETIMEDOUT;

        p[0].fd      = efd;
        p[0].events  = POLLIN;
        p[0].revents = 0;
        p[1].fd      = sock;
        p[1].events  = POLLIN | POLLRDHUP;
        p[1].revents = 0;

        if (rem > 0) {
                ts.tv_sec  = rem / 1000000000LL;
                ts.tv_nsec = rem % 1000000000LL;
        }

        n = ppoll(p, 2, rem > 0 ? &ts : NULL, NULL);
        if (n < 0)
                return errno == EINTR ? 0 : -errno;

        *sock_ev = p[1].revents;

        return 0;
}
