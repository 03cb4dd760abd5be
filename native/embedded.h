/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What crosses the files of the embedded layer.
 */
#ifndef JOUR_EMBEDDED_H
#define JOUR_EMBEDDED_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "layer.h"

/* ------------------------------------ sockets (embedded_sock.c) */

#define E_MAX_SDU  65536
#define E_SNDBUF   (4 * (E_MAX_SDU + 4096))

/* A non-blocking, close-on-exec AF_UNIX socket; a fd or -errno. */
int esock_new(int type);

/*
 * Polls fd for ev until the deadline (jour_deadline): 0 when the call is
 * worth trying again (ready, or interrupted), -ETIMEDOUT, or -errno.
 */
int esock_wait(int     fd,
               short   ev,
               int64_t deadline);

/* One whole message, never blocking; with fd pass (SCM_RIGHTS) if >= 0. */
int esock_send(int          fd,
               const void * buf,
               size_t       len,
               int          pass);

#endif /* JOUR_EMBEDDED_H */
