/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Waiting on a ring: eventfds, the adaptive spin, the sleep (see
 * embedded_wake.c).
 */
#ifndef JOUR_EMBEDDED_WAKE_H
#define JOUR_EMBEDDED_WAKE_H

#include <stdint.h>

/* The spin budget of one side of a flow (its reader's, or its writer's). */
struct espin {
        int64_t ns;
};

/* A non-blocking, close-on-exec eventfd; a fd or -errno. */
int  ewake_new(unsigned int initial);

/* 0 if fd (handed over by the peer) is an eventfd, now non-blocking. */
int  ewake_check(int fd);

/* Never blocks; errors only mean the counter is full or empty already. */
void ewake_signal(int fd);
void ewake_drain(int fd);

/*
 * A private epoll set over one of our eventfds (EPOLLIN, level): what flow
 * sets watch instead of the eventfd. The peer holds the eventfd too, so
 * closing ours would not take it out of an epoll set that watched it (only
 * the description's last close does), and the peer could then make that
 * set report it for ever; the private set is ours alone, so its close
 * does. A fd or -errno.
 */
int  ewake_watch_new(int efd);

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
 * Sleeps in poll() on the eventfd and the socket until either is ready or
 * the deadline: 0 (look again; *sock_ev holds the socket's revents),
 * -ETIMEDOUT, or -errno.
 */
int  ewake_sleep(int       efd,
                 int       sock,
                 int64_t   deadline,
                 short *   sock_ev);

#endif /* JOUR_EMBEDDED_WAKE_H */
