/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Waiting on a ring (embedded_ring.h): the pipes that carry wake-ups
 * between the two ends, a short adaptive spin before sleeping, and the
 * sleep itself, in poll() on the pipe and the flow's socket together, so
 * the peer's death (end of file on the socket) and close() (our own
 * shutdown of it) wake a sleeper as data does.
 *
 * Each end makes a pipe for each wake-up it waits for (data arrived, room
 * to write) and hands the peer a write end; the read end never leaves
 * us. A wake-up is a byte; the reader drains them all at once. Why pipes
 * and not eventfds: an eventfd is one description that both ends share,
 * so a peer could clear O_NONBLOCK under us, and our writes to it had to
 * look at the flag first (a system call more per wake-up, and still a
 * race); a pipe's write takes RWF_NOWAIT, and its read end is ours alone,
 * so a flow set can watch it directly (its close takes it out of every
 * epoll set, which an eventfd the peer still held would not).
 *
 * The spin: a reader or writer whose peer answers within a few
 * microseconds never pays for a sleep and a wake-up. It checks the ring
 * between pause instructions and yields the CPU every few checks, so a
 * peer that shares our one CPU runs soon instead of waiting out our
 * spin; when the peer last ran on the CPU we run on (the ring's hint,
 * ering_peer_here), it yields at every check, as pausing there only
 * keeps the peer off the CPU (about a microsecond a wait, 15 pauses). Its
 * budget doubles when a spin ends in success and halves when it ends in
 * a sleep, between ESPIN_MIN and ESPIN_MAX.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "embedded_wake.h"
#include "errors.h"

#define ESPIN_MIN    2000LL   /* ns */
#define ESPIN_MAX    50000LL
#define ESPIN_START  20000LL
#define ESPIN_CHECKS 16       /* checks between two yields */

/*
 * Whether pwritev2 takes RWF_NOWAIT on a pipe here (kernels before 5.x
 * refuse it with EOPNOTSUPP): 1 yes, 0 no, -1 not known yet.
 */
static atomic_int nowait_ok = -1;

int ewake_new(int fds[2],
              int signalled)
{
        uint8_t b = 1;

        if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) < 0)
                return -errno;

        /* One page is room for 4,096 wake-ups: plenty, as each is a byte. */
        (void) fcntl(fds[1], F_SETPIPE_SZ, 4096);

        if (signalled && write(fds[1], &b, 1) != 1) {
                int e = errno;
                close(fds[0]);
                close(fds[1]);
                return -e;
        }

        return 0;
}

/* A descriptor the peer handed over is used only if it writes a pipe. */
int ewake_check(int fd)
{
        struct stat st;
        int         fl;

        if (fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode))
                return -EJOUR_PROTO;

        fl = fcntl(fd, F_GETFL);
        if (fl < 0 || (fl & O_ACCMODE) != O_WRONLY)
                return -EJOUR_PROTO;

        /* For kernels without RWF_NOWAIT on pipes (ewake_signal). */
        if (fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
                return -errno;

        return 0;
}

/*
 * The peer holds a write end of each pipe we write to (it made the pipe,
 * and keeps a write end to signal itself), so it shares the description:
 * it can clear O_NONBLOCK and fill the pipe at any time, and a blocking
 * write of ours would then wait for it forever (close() does not wake
 * it). So a write asks for no wait itself (RWF_NOWAIT) and trusts no
 * flag. A kernel that cannot take RWF_NOWAIT on a pipe gets the write
 * only while the description is non-blocking (a peer that races us
 * between that look and the write could still make us wait there).
 */
void ewake_signal(int fd)
{
        uint8_t      b   = 1;
        struct iovec iov = { .iov_base = &b, .iov_len = 1 };
        int          ok  = atomic_load_explicit(&nowait_ok,
                                                memory_order_relaxed);
        int          fl;

        if (ok != 0) {
                if (pwritev2(fd, &iov, 1, -1, RWF_NOWAIT) >= 0 ||
                    errno != EOPNOTSUPP) {
                        /* EAGAIN: the pipe is full, it is signalled. */
                        if (ok < 0)
                                atomic_store_explicit(&nowait_ok, 1,
                                                      memory_order_relaxed);
                        return;
                }
                atomic_store_explicit(&nowait_ok, 0, memory_order_relaxed);
        }

        fl = fcntl(fd, F_GETFL);
        if (fl < 0 || !(fl & O_NONBLOCK))
                return;

        if (write(fd, &b, 1) < 0) {
                /* EAGAIN: the pipe is full, it is signalled already. */
        }
}

/*
 * Our read ends are ours alone (the peer has only write ends), so their
 * O_NONBLOCK, set when we made them, holds: a plain read never waits.
 */
void ewake_drain(int fd)
{
        uint8_t b[256];

        while (read(fd, b, sizeof(b)) == (ssize_t) sizeof(b))
                ;
}

void espin_init(struct espin * s)
{
        s->ns = ESPIN_START;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#elif defined(__aarch64__)
        __asm__ __volatile__("yield" ::: "memory");
#else
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

int espin_wait(struct espin * s,
               int         (* ready)(void *),
               void *         arg,
               int            here,
               int64_t        deadline)
{
        int     checks = here ? 1 : ESPIN_CHECKS;
        int64_t t0 = jour_now_ns();
        int64_t end = t0 + s->ns;
        int     i;
        int     r;

        if (deadline >= 0 && deadline < end)
                end = deadline;

        for (i = 1;; ++i) {
                r = ready(arg);
                if (r != 0) {
                        if (r > 0)
                                s->ns = s->ns * 2 > ESPIN_MAX ?
                                        ESPIN_MAX : s->ns * 2;
                        return r;
                }
                if (i % checks != 0) {
                        cpu_relax();
                        continue;
                }
                if (jour_now_ns() >= end)
                        break;
                (void) sched_yield();
        }

        s->ns = s->ns / 2 < ESPIN_MIN ? ESPIN_MIN : s->ns / 2;

        return 0;
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
