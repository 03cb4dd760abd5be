/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The per-user rendezvous directory of the embedded layer: created 0700,
 * checked for owner and mode, opened without following links, and then
 * only ever used relative to its descriptor.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errors.h"
#include "embedded_rendezvous.h"

/*
 * The root, written once by rdv_init (the layer's init, under layer.c's
 * select lock, before any flow exists) and only read after that.
 */
static int  rdv_root_fd = -1;
static char rdv_root_path[PATH_MAX];

const char * rdv_root(void)
{
        return rdv_root_path;
}

static int safe_dir(int fd)
{
        struct stat st;

        if (fstat(fd, &st) < 0)
                return -errno;

        if (!S_ISDIR(st.st_mode))
                return -ENOTDIR;

        /* Ours alone: nobody else may plant or read a socket in it. */
        if (st.st_uid != geteuid() || (st.st_mode & 077) != 0)
                return -EACCES;

        return 0;
}

static int default_root(char * buf,
                        size_t len)
{
        const char * xdg = getenv("XDG_RUNTIME_DIR");
        struct stat  st;
        int          n;

        if (xdg != NULL && xdg[0] == '/' && lstat(xdg, &st) == 0 &&
            S_ISDIR(st.st_mode) && st.st_uid == geteuid() &&
            (st.st_mode & 077) == 0)
                n = snprintf(buf, len, "%s/jouroboros", xdg);
        else
                n = snprintf(buf, len, "/tmp/jouroboros-%u",
                             (unsigned) geteuid());

        return (n < 0 || (size_t) n >= len) ? -ENAMETOOLONG : 0;
}

int rdv_path(const char * cfg,
             char *       buf,
             size_t       len)
{
        if (cfg != NULL && cfg[0] != '\0') {
                if (strlen(cfg) >= len)
                        return -ENAMETOOLONG;
                strcpy(buf, cfg);
                return 0;
        }

        return default_root(buf, len);
}

int rdv_init(const char * cfg)
{
        int fd;
        int ret;

        ret = rdv_path(cfg, rdv_root_path, sizeof(rdv_root_path));
        if (ret < 0)
                return ret;

        if (mkdir(rdv_root_path, 0700) < 0 && errno != EEXIST)
                return -errno;

        fd = open(rdv_root_path,
                  O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
                struct stat st;
                int         e = errno;

                /* O_DIRECTORY says ENOTDIR for a link: say what it is. */
                if (lstat(rdv_root_path, &st) == 0 && S_ISLNK(st.st_mode))
                        e = ELOOP;
                return -e;
        }

        ret = safe_dir(fd);
        if (ret < 0) {
                close(fd);
                return ret;
        }

        rdv_root_fd = fd;

        return 0;
}

/* Two independent 64-bit FNV-1a variants, finalised; 128 bits in hex. */
static uint64_t mix(uint64_t h)
{
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdULL;
        h ^= h >> 33;
        h *= 0xc4ceb9fe1a85ec53ULL;
        h ^= h >> 33;

        return h;
}

static void hash_name(char         kind,
                      const char * name,
                      size_t       len,
                      char *       out,
                      size_t       outlen)
{
        uint64_t a = 0xcbf29ce484222325ULL;
        uint64_t b = 0x84222325cbf29ce4ULL ^ len;
        size_t   i;

        for (i = 0; i < len; ++i) {
                a = (a ^ (uint8_t) name[i]) * 0x100000001b3ULL;
                b = (b ^ (uint8_t) name[len - 1 - i]) * 0x100000001b3ULL;
        }

        snprintf(out, outlen, "%c-%016llx%016llx", kind,
                 (unsigned long long) mix(a), (unsigned long long) mix(b ^ a));
}

int rdv_open_dir(char         kind,
                 const char * name,
                 size_t       len,
                 int          create)
{
        char sub[64];
        int  fd;

        if (rdv_root_fd < 0)
                return -ENOTSUP;

        hash_name(kind, name, len, sub, sizeof(sub));

        if (create && mkdirat(rdv_root_fd, sub, 0700) < 0 && errno != EEXIST)
                return -errno;

        fd = openat(rdv_root_fd, sub,
                    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? -ENAME : -errno;

        return fd;
}

void rdv_remove_dir(char         kind,
                    const char * name,
                    size_t       len)
{
        char sub[64];

        if (rdv_root_fd < 0)
                return;

        hash_name(kind, name, len, sub, sizeof(sub));

        /* ENOTEMPTY (in use) and ENOENT (gone already) are both fine. */
        (void) unlinkat(rdv_root_fd, sub, AT_REMOVEDIR);
}

int rdv_addr(int                  dirfd,
             const char *         file,
             struct sockaddr_un * sa)
{
        int n;

        memset(sa, 0, sizeof(*sa));
        sa->sun_family = AF_UNIX;

        n = snprintf(sa->sun_path, sizeof(sa->sun_path), "/proc/self/fd/%d/%s",
                     dirfd, file);
        if (n < 0 || (size_t) n >= sizeof(sa->sun_path))
                return -ENAMETOOLONG;

        return (int) (offsetof(struct sockaddr_un, sun_path) + n + 1);
}

void rdv_unlink_stale(int          dirfd,
                      const char * file,
                      ino_t        ino)
{
        struct stat st;

        if (fstatat(dirfd, file, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return;

        if (st.st_ino != ino || !S_ISSOCK(st.st_mode))
                return;

        (void) unlinkat(dirfd, file, 0);
}

uint64_t rdv_random(void)
{
        uint64_t r;

        if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
                r = (uint64_t) getpid() * 0x9e3779b97f4a7c15ULL ^
                        (uint64_t) (uintptr_t) &r;

        return r;
}
