/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The short adaptive spin before a sleep, for both layers (see spin.c).
 */
#ifndef JOUR_SPIN_H
#define JOUR_SPIN_H

#include <stdint.h>

/* The spin budget of one waiter (a flow's reader, or its writer). */
struct spin {
        int64_t ns;
};

void spin_init(struct spin * s);

/*
 * Spins until ready(arg) is non-zero (its value is returned: > 0 ready,
 * < 0 an error), or the budget or the deadline (jour_deadline) runs out
 * (0). here: the peer shares our CPU (yield at every check).
 */
int  spin_wait(struct spin * s,
               int        (* ready)(void *),
               void *        arg,
               int           here,
               int64_t       deadline);

/*
 * Whether the calling thread may run on one CPU only (its affinity, asked
 * once per thread): then whoever it waits for runs only when it yields.
 */
int  spin_one_cpu(void);

#endif /* JOUR_SPIN_H */
