/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Monotonic deadlines for blocking calls (timeouts in ns, -1 = forever).
 * A timeout of 0 gives the deadline 0, passed already, without reading the
 * clock (a call that must not wait pays no clock_gettime for it).
 */
#ifndef JOUR_CLOCK_H
#define JOUR_CLOCK_H

#include <stdint.h>

int64_t jour_now_ns(void);
int64_t jour_deadline(int64_t timeo);
int64_t jour_remaining(int64_t deadline);
int     jour_poll_ms(int64_t remaining);

#endif /* JOUR_CLOCK_H */
