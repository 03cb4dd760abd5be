/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The process at the other end of each Ouroboros flow, and the monitor
 * thread that watches it.
 *
 * Ouroboros 0.23 defects contained here:
 *
 *  - A killed peer is never reported (only FRCT keepalives notice, after
 *    the QoS timeout), and the IRMd hands flows to a process that died
 *    while it waited in flow_accept. We learn the process at the other
 *    end of each flow (o_peer_pid, read from the library's flow table,
 *    see system_peek.c), watch it with a pidfd (this file), retry an
 *    allocation that landed on a dead process (system_alloc.c), and see
 *    a death at once.
 *  - When the peer dies, we copy what it sent out of the shared pool at
 *    once (peer_died): within a second the IRMd puts the packet buffers
 *    of a dead process back on the free lists, queued or not, and a later
 *    read frees them a second time (the pool's free lists break, and
 *    blocks are lost for everyone).
 *
 * The monitor: one thread, one epoll set of the pidfds of the processes
 * at the other end of our flows, started with the first flow to watch.
 * When one dies, its flows are read out (before the IRMd reclaims the
 * packet buffers) and marked down.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "system.h"

/* The monitor's state: lock guards all of it (epfd is made once). */
static struct {
        pthread_mutex_t lock;
        int             epfd;    /* the pidfds of watched flows        */
        int             running; /* the thread started                 */
        struct sflow *  list;    /* watched flows, through f->mnext    */
} monitor = { .lock = PTHREAD_MUTEX_INITIALIZER, .epfd = -1 };

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

int pidfd_dead(int pfd)
{
        struct pollfd p = { .fd = pfd, .events = POLLIN, .revents = 0 };

        return pfd >= 0 && poll(&p, 1, 0) == 1;
}

/*
 * The peer is dead: a reader that waits in flow_read (rxlock held) is
 * woken first, with what is queued or the end, so the drain need not
 * wait for its slice to end, and a read that looked before the death
 * was seen does not wait for it either.
 */
void peer_died(struct sflow * f)
{
        o_mark_down(f);

        pthread_mutex_lock(&f->rxlock);
        drain_locked(f);
        atomic_store(&f->down, 1);
        pthread_mutex_unlock(&f->rxlock);

        fsets_ready(f);
}

static void * monitor_thread(void * arg)
{
        (void) arg;

        (void) pthread_setname_np(pthread_self(), "jour-monitor");

        for (;;) {
                struct epoll_event ev[16];
                int                n;
                int                i;

                n = epoll_wait(monitor.epfd, ev, 16, 500);
                if (atomic_load(&syslib.exiting))
                        return NULL;
                if (n < 0) {
                        if (errno != EINTR)
                                sleep_ns(100 * MS);
                        continue;
                }

                pthread_mutex_lock(&monitor.lock);
                for (i = 0; i < n; ++i) {
                        struct sflow * f;
                        for (f = monitor.list; f != NULL; f = f->mnext)
                                if (f == ev[i].data.ptr)
                                        break;
                        if (f == NULL)
                                continue; /* untracked meanwhile */
                        (void) epoll_ctl(monitor.epfd, EPOLL_CTL_DEL,
                                         f->pidfd, NULL);
                        peer_died(f);
                }
                pthread_mutex_unlock(&monitor.lock);
        }

        return NULL;
}

void watch(struct sflow * f)
{
        struct epoll_event ev;

        if (f->pidfd < 0)
                return;

        pthread_mutex_lock(&monitor.lock);
        if (!monitor.running) {
                monitor.epfd = epoll_create1(EPOLL_CLOEXEC);
                if (monitor.epfd >= 0 &&
                    start_detached(monitor_thread, NULL) == 0)
                        monitor.running = 1;
        }
        ev.events   = EPOLLIN;
        ev.data.ptr = f;
        if (monitor.running &&
            epoll_ctl(monitor.epfd, EPOLL_CTL_ADD, f->pidfd, &ev) == 0) {
                f->mnext     = monitor.list;
                monitor.list = f;
                f->watched   = 1;
        }
        pthread_mutex_unlock(&monitor.lock);
}

void unwatch(struct sflow * f)
{
        struct sflow ** pp;

        pthread_mutex_lock(&monitor.lock);
        if (f->watched) {
                (void) epoll_ctl(monitor.epfd, EPOLL_CTL_DEL, f->pidfd, NULL);
                for (pp = &monitor.list; *pp != NULL; pp = &(*pp)->mnext) {
                        if (*pp == f) {
                                *pp = f->mnext;
                                break;
                        }
                }
                f->watched = 0;
        }
        pthread_mutex_unlock(&monitor.lock);
}

/*
 * A new Ouroboros flow: learns the process at the other end. Returns 1 if
 * that process is already gone (the flow is dead on arrival).
 */
int o_setup(struct sflow * f,
            int            fd)
{
        f->peer  = o_peer_pid(fd);
        f->pidfd = pidfd_of(f->peer);
        if (f->pidfd == -2 || pidfd_dead(f->pidfd))
                return 1;

        return 0;
}
