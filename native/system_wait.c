/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Waiting, for the system layer: condition waits on the monotonic clock,
 * sleeps that survive signals, and the detached threads the layer runs
 * (acceptor, monitor, allocations, deallocations).
 */
#include <errno.h>
#include <time.h>

#include "system.h"

void ts_of(int64_t ns,
           struct timespec * ts)
{
        ts->tv_sec  = ns / 1000000000LL;
        ts->tv_nsec = ns % 1000000000LL;
}

/* The length of one blocking step: the time left, at most cap. */
int64_t step_of(int64_t rem,
                int64_t cap)
{
        return (rem < 0 || rem > cap) ? cap : rem;
}

int cond_init(pthread_cond_t * c)
{
        pthread_condattr_t a;
        int                ret;

        if (pthread_condattr_init(&a) != 0)
                return -1;

        (void) pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
        ret = pthread_cond_init(c, &a);
        pthread_condattr_destroy(&a);

        return ret == 0 ? 0 : -1;
}

/* abs: ns from now on CLOCK_MONOTONIC (the clock of our conditions). */
int abs_after(int64_t           ns,
              struct timespec * abs)
{
        if (clock_gettime(CLOCK_MONOTONIC, abs) < 0)
                return -1;
        ns += abs->tv_nsec;
        abs->tv_sec  += ns / 1000000000LL;
        abs->tv_nsec  = ns % 1000000000LL;

        return 0;
}

void cond_wait_ns(pthread_cond_t *  c,
                  pthread_mutex_t * m,
                  int64_t           ns)
{
        struct timespec abs;

        if (abs_after(ns, &abs) == 0)
                (void) pthread_cond_timedwait(c, m, &abs);
}

void sleep_ns(int64_t ns)
{
        struct timespec ts;

        ts_of(ns, &ts);
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

int start_detached(void * (*fn)(void *),
                   void * arg)
{
        pthread_attr_t attr;
        pthread_t      t;
        int            ret;

        if (pthread_attr_init(&attr) != 0)
                return -ENOMEM;

        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        ret = pthread_create(&t, &attr, fn, arg);
        pthread_attr_destroy(&attr);

        return -ret;
}
