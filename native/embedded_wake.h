/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Waiting on a ring: wake-up pipes, the adaptive spin, the sleep (see
 * embedded_wake.c).
 */
#ifndef JOUR_EMBEDDED_WAKE_H
#define JOUR_EMBEDDED_WAKE_H

#include <stdint.h>

/* The spin budget of one side of a flow (its reader's, or its writer's). */
struct espin {
        int64_t ns;
};

/*
 * A wake-up pipe, both ends non-blocking and close-on-exec, with a byte
 * in it when signalled: 0 (fds[0] the read end, fds[1] the write end)
 * or -errno.
 */
int  ewake_new(int fds[2],
               int signalled);

/* 0 if fd (handed over by the peer) is a pipe's write end. */
int  ewake_check(int fd);

/*
 * Never block: signal writes a byte to a write end (a full pipe is
 * signalled already); drain empties one of our read ends.
 */
void ewake_signal(int fd);
void ewake_drain(int fd);

void espin_init(struct espin * s);

/*
 * Spins until ready(arg) is non-zero (its value is returned: > 0 ready,
 * < 0 an error), or the budget or the deadline (jour_deadline) runs out
 * (0). here: the peer shares our CPU (yield at every check).
 */
int  espin_wait(struct espin * s,
                int         (* ready)(void *),
                void *         arg,
                int            here,
                int64_t        deadline);

/*
 * Sleeps in poll() on a wake-up pipe (its read end) and the socket until either is ready or
 * the deadline: 0 (look again; *sock_ev holds the socket's revents),
 * -ETIMEDOUT, or -errno.
 */
int  ewake_sleep(int       efd,
                 int       sock,
                 int64_t   deadline,
                 short *   sock_ev);

#endif /* JOUR_EMBEDDED_WAKE_H */
