/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Allocation in the embedded layer, the client side of the handshake:
 * connect to one of the listeners of a name (drawn at random, so the
 * processes bound to a name share the load; entries of dead processes are
 * swept first, and a folder left empty goes), send the request with the memfd the data plane
 * shares, and read the reply, without blocking or with a deadline.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "clock.h"
#include "embedded.h"
#include "embedded_handshake.h"
#include "embedded_rendezvous.h"
#include "errors.h"

#define E_MAX_SERVERS  1024  /* listeners tried per allocation */

/*
 * Connects to one live listener in a name's folder: 0 and the socket in
 * *out, -ENAME when none lives, -EIPCP when none took the call and one
 * at least was full.
 */
static int connect_any(int          dirfd,
                       int *        out)
{
        struct sockaddr_un sa;
        struct dirent *    de;
        DIR *              d;
        char (*files)[32]  = NULL;
        ino_t *            inos = NULL;
        size_t             n = 0;
        int                ret = -ENAME;
        int                busy = 0;

        d = esock_opendir(dirfd);
        if (d == NULL)
                return -errno;

        files = malloc(E_MAX_SERVERS * sizeof(*files));
        inos  = malloc(E_MAX_SERVERS * sizeof(*inos));
        if (files == NULL || inos == NULL) {
                ret = -ENOMEM;
                goto out;
        }

        while ((de = readdir(d)) != NULL && n < E_MAX_SERVERS) {
                size_t l = strlen(de->d_name);
                if (l < 3 || l >= sizeof(files[0]) ||
                    strcmp(de->d_name + l - 2, ".s") != 0)
                        continue;
                strcpy(files[n], de->d_name);
                inos[n] = de->d_ino;
                ++n;
        }

        if (n == 0)
                goto out;

        /* Several processes bound to one name share the load: draw one. */
        while (n > 0) {
                size_t j   = (size_t) (rdv_random() % n);
                int    len = rdv_addr(dirfd, files[j], &sa);
                int    fd  = -1;

                if (len >= 0) {
                        fd = esock_new(SOCK_SEQPACKET);
                        if (fd < 0) {
                                ret = fd;
                                goto out;
                        }

                        if (connect(fd, (struct sockaddr *) &sa, len) == 0) {
                                *out = fd;
                                ret  = 0;
                                goto out;
                        }

                        if (errno == ECONNREFUSED)
                                rdv_unlink_stale(dirfd, files[j], inos[j]);
                        else if (errno == EAGAIN)
                                busy = 1;

                        close(fd);
                }

                --n;
                memcpy(files[j], files[n], sizeof(files[0]));
                inos[j] = inos[n];
        }

        ret = busy ? -EIPCP : -ENAME;
 out:
        free(files);
        free(inos);
        closedir(d);

        return ret;
}

int e_flow_alloc_start(const char *            name,
                       size_t                  len,
                       const struct jour_qos * qs,
                       void **                 lf)
{
        uint8_t        req[HS_REQ_MAX];
        struct eflow * f;
        int            dirfd;
        int            fd = -1;
        int            mfd;
        int            pass[1 + E_RING_FDS];
        int            ring;
        int            ret;

        dirfd = rdv_open_dir(RDV_NAME_DIR, name, len, 0);
        if (dirfd < 0)
                return dirfd;

        ebind_sweep(dirfd);
        ret = connect_any(dirfd, &fd);
        close(dirfd);
        if (ret == -ENAME)
                rdv_remove_dir(RDV_NAME_DIR, name, len);
        if (ret < 0)
                return ret;

        f = eflow_new(fd, 0);
        if (f == NULL) {
                close(fd);
                return -ENOMEM;
        }

        ring = ering_affordable();
        mfd  = eflow_shared_create(f, pass + 1, ring);
        if (mfd < 0) {
                e_flow_dealloc(f);
                return mfd;
        }

        /* The memfd, then our eventfds: the rings are offered (or not). */
        pass[0] = mfd;
        ret = esock_send_fds(fd, req, hs_req_encode(req, name, len, qs),
                             pass, ring ? 1 + E_RING_FDS : 1);
        close(mfd);
        if (ret < 0) {
                e_flow_dealloc(f);
                return -EIPCP;
        }

        *lf = f;

        return 0;
}

/* recv_reply: a message longer than a reply, or with too many descriptors. */
#define NOT_A_REPLY  (-2)

/*
 * Reads the reply and the descriptors it carries (any, to close them when
 * they are not the eventfds of the rings): its length, NOT_A_REPLY, or -1
 * with errno.
 */
static ssize_t recv_reply(int       fd,
                          uint8_t * rep,
                          size_t    len,
                          int *     fds,
                          int *     n_fds)
{
        union {
                char           buf[CMSG_SPACE(8 * sizeof(int))];
                struct cmsghdr align;
        } u;
        struct iovec     iov = { .iov_base = rep, .iov_len = len };
        struct msghdr    m;
        struct cmsghdr * c;
        ssize_t          n;

        memset(&m, 0, sizeof(m));
        m.msg_iov        = &iov;
        m.msg_iovlen     = 1;
        m.msg_control    = u.buf;
        m.msg_controllen = sizeof(u.buf);

        *n_fds = 0;
        n = recvmsg(fd, &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        if (n < 0)
                return n;

        for (c = CMSG_FIRSTHDR(&m); c != NULL; c = CMSG_NXTHDR(&m, c)) {
                size_t k;
                size_t i;
                if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
                        continue;
                k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                for (i = 0; i < k; ++i) {
                        int x;
                        memcpy(&x, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
                        if (*n_fds < 8)
                                fds[(*n_fds)++] = x;
                        else
                                close(x);
                }
        }

        /* A truncated reply or list of descriptors is no reply of ours. */
        if (m.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
                return NOT_A_REPLY;

        return n;
}

static void close_all(int * fds,
                      int   n)
{
        while (n-- > 0)
                close(fds[n]);
}

int e_flow_alloc_finish(void *            lf,
                        struct jour_qos * qs,
                        int64_t           timeo)
{
        struct eflow * f = lf;
        int            fd = e_flow_fd(f);
        uint8_t        rep[HS_REPLY_LEN + 1];
        int64_t        deadline = jour_deadline(timeo);
        int            fds[8];
        int            n_fds = 0;
        unsigned int   flags;
        ssize_t        n;
        int            ret;

        for (;;) {
                n = recv_reply(fd, rep, sizeof(rep), fds, &n_fds);
                if (n > 0)
                        break;
                close_all(fds, n_fds);
                n_fds = 0;
                if (n == NOT_A_REPLY)
                        return -EJOUR_PROTO; /* a broken reply, no hang-up */
                if (n == 0)
                        return eflow_closing(f) ? -EJOUR_WOKEN : -EIPCP;
                if (errno == EINTR)
                        continue;
                if (errno != EAGAIN)
                        return errno == ECONNRESET ? -EIPCP : -errno;
                if (timeo == 0)
                        return -EAGAIN;
                ret = esock_wait(fd, POLLIN, deadline);
                if (ret < 0)
                        return ret;
        }

        ret = hs_reply_decode(rep, (size_t) n, qs, &flags);
        if (ret < 0) {
                close_all(fds, n_fds);
                return ret;
        }

        if (!(flags & HS_F_RING)) {
                close_all(fds, n_fds);
                eflow_ring_none(f);
        } else {
                ret = eflow_ring_join(f, fds, n_fds);
                if (ret < 0)
                        return ret;
        }

        return eflow_start(f);
}
