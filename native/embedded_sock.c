/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The embedded layer's AF_UNIX plumbing, shared by its control plane
 * (bindings, allocation, the accepting side) and its data plane: a new
 * non-blocking socket, a wait with a deadline, one message with an fd.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "embedded.h"
#include "errors.h"

int esock_new(int type)
{
        int fd;
        int sz = E_SNDBUF;

        fd = socket(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;

        /* Best effort: the default already holds the largest SDU. */
        (void) setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));

        return fd;
}

int esock_wait(int     fd,
               short   ev,
               int64_t deadline)
{
        struct pollfd p = { .fd = fd, .events = ev, .revents = 0 };
        int64_t       rem;
        int           n;

        rem = jour_remaining(deadline);
        if (rem == 0)
                return -ETIMEDOUT;

        n = poll(&p, 1, jour_poll_ms(rem));
        if (n < 0 && errno != EINTR)
                return -errno;

        return 0;
}

int esock_send(int          fd,
               const void * buf,
               size_t       len,
               int          pass)
{
        return esock_send_fds(fd, buf, len, &pass, pass >= 0 ? 1 : 0);
}

int esock_send_fds(int          fd,
                   const void * buf,
                   size_t       len,
                   const int *  fds,
                   int          n)
{
        union {
                char           buf[CMSG_SPACE((1 + E_RING_FDS) * sizeof(int))];
                struct cmsghdr align;
        } u;
        struct iovec    iov = { .iov_base = (void *) buf, .iov_len = len };
        struct msghdr   m;
        struct cmsghdr * c;
        ssize_t         r;

        if (n < 0 || n > 1 + E_RING_FDS)
                return -EINVAL;

        memset(&m, 0, sizeof(m));
        m.msg_iov    = &iov;
        m.msg_iovlen = 1;

        if (n > 0) {
                memset(&u, 0, sizeof(u));
                m.msg_control    = u.buf;
                m.msg_controllen = CMSG_SPACE((size_t) n * sizeof(int));
                c = CMSG_FIRSTHDR(&m);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type  = SCM_RIGHTS;
                c->cmsg_len   = CMSG_LEN((size_t) n * sizeof(int));
                memcpy(CMSG_DATA(c), fds, (size_t) n * sizeof(int));
        }

        do {
                r = sendmsg(fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL);
        } while (r < 0 && errno == EINTR);

        if (r < 0)
                return -errno;

        return (size_t) r == len ? 0 : -EIO;
}

int esock_epoll_wake(int *    epfd,
                     int *    wakefd,
                     uint64_t tag)
{
        struct epoll_event ev;
        int                e;

        *epfd   = epoll_create1(EPOLL_CLOEXEC);
        *wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

        ev.events   = EPOLLIN;
        ev.data.u64 = tag;

        if (*epfd >= 0 && *wakefd >= 0 &&
            epoll_ctl(*epfd, EPOLL_CTL_ADD, *wakefd, &ev) == 0)
                return 0;

        e = errno;
        if (*epfd >= 0)
                close(*epfd);
        if (*wakefd >= 0)
                close(*wakefd);
        *epfd   = -1;
        *wakefd = -1;

        return -e;
}

DIR * esock_opendir(int dirfd)
{
        DIR * d;
        int   fd;
        int   e;

        fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return NULL;

        d = fdopendir(fd);
        if (d == NULL) {
                e = errno;
                close(fd);
                errno = e;
        }

        return d;
}
