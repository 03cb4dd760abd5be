/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The embedded layer's per-user rendezvous directory.
 *
 * Layout: <root>/n-<hash>/<pid>.s      one SOCK_SEQPACKET listener per
 *                                       (process, bound name)
 *         <root>/b-<hash>/<pid>-<n>.m  one SOCK_DGRAM socket per
 *                                       broadcast member
 * Names are hashed (128 bits, hex), never used as paths. Sockets are reached
 * through /proc/self/fd/<dirfd>/<file>, so sun_path stays short whatever
 * the root, and no path component is resolved twice.
 */
#ifndef JOUR_EMBEDDED_RENDEZVOUS_H
#define JOUR_EMBEDDED_RENDEZVOUS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#define RDV_NAME_DIR  'n'
#define RDV_BCAST_DIR 'b'

int  rdv_init(const char * cfg);

/* The root's path, for diagnostics (also the one rdv_init refused). */
const char * rdv_root(void);

/*
 * The root rdv_init(cfg) uses: cfg if set, else $XDG_RUNTIME_DIR/jouroboros
 * (when that is a directory of ours, mode 0700), else /tmp/jouroboros-<uid>.
 * Returns 0, or -ENAMETOOLONG.
 */
int  rdv_path(const char * cfg,
              char *       buf,
              size_t       len);

/* Opens (and with create, makes) the directory of a name; returns a fd. */
int rdv_open_dir(char         kind,
                 const char * name,
                 size_t       len,
                 int          create);

/*
 * Removes the directory of a name if it is empty, as the last entry in it
 * goes. rmdir() refuses a folder with anything in it, so a binder of the
 * same name in another process is never harmed: one that opened the
 * folder just before it went finds it gone when it binds (ENOENT) and
 * makes it again.
 */
void rdv_remove_dir(char         kind,
                    const char * name,
                    size_t       len);

/* Fills a sockaddr for <dirfd>/<file>; returns its length or -errno. */
int rdv_addr(int                  dirfd,
             const char *         file,
             struct sockaddr_un * sa);

/* Removes a socket file left by a dead process, if it is still that one. */
void rdv_unlink_stale(int          dirfd,
                      const char * file,
                      ino_t        ino);

uint64_t rdv_random(void);

#endif /* JOUR_EMBEDDED_RENDEZVOUS_H */
