/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Waiting on a ring: eventfds and the sleep (see embedded_wake.c; the
 * spin before it is spin.h's).
 */
#ifndef JOUR_EMBEDDED_WAKE_H
#define JOUR_EMBEDDED_WAKE_H

#include <stdint.h>

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
