/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The short adaptive spin before a sleep: a reader or writer whose peer
 * answers within a few microseconds never pays for a sleep and a wake-up
 * (on a VM, a wake-up across CPUs costs tens of microseconds), and the
 * peer's wake-up call is spared too (no one sleeps). It checks between
 * pause instructions and yields the CPU every few checks, so a peer that
 * shares our one CPU runs soon instead of waiting out our spin; when the
 * peer shares our CPU (the embedded ring's hint, ering_peer_here; a thread
 * bound to one CPU), it yields at every check, as pausing there only
 * keeps the peer off the CPU (about a microsecond a wait, 15 pauses). Its
 * budget doubles when a spin ends in success and halves when it ends in
 * a sleep, between SPIN_MIN and SPIN_MAX: a waiter whose peer never
 * answers that soon spins SPIN_MIN a wait.
 */
#define _GNU_SOURCE
#include <sched.h>

#include "clock.h"
#include "spin.h"

#define SPIN_MIN    2000LL   /* ns */
#define SPIN_MAX    50000LL
#define SPIN_START  20000LL
#define SPIN_CHECKS 16       /* checks between two yields */

void spin_init(struct spin * s)
{
        s->ns = SPIN_START;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#elif defined(__aarch64__)
        __asm__ __volatile__("yield" ::: "memory");
#else
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

int spin_wait(struct spin * s,
              int        (* ready)(void *),
              void *        arg,
              int           here,
              int64_t       deadline)
{
        int     checks = here ? 1 : SPIN_CHECKS;
        int64_t t0 = jour_now_ns();
        int64_t end = t0 + s->ns;
        int     i;
        int     r;

        if (deadline >= 0 && deadline < end)
                end = deadline;

        for (i = 1;; ++i) {
                r = ready(arg);
                if (r != 0) {
                        if (r > 0)
                                s->ns = s->ns * 2 > SPIN_MAX ?
                                        SPIN_MAX : s->ns * 2;
                        return r;
                }
                if (i % checks != 0) {
                        cpu_relax();
                        continue;
                }
                if (jour_now_ns() >= end)
                        break;
                (void) sched_yield();
        }

        s->ns = s->ns / 2 < SPIN_MIN ? SPIN_MIN : s->ns / 2;

        return 0;
}

int spin_one_cpu(void)
{
        static __thread int one = -1;
        cpu_set_t           set;

        if (one < 0)
                one = sched_getaffinity(0, sizeof(set), &set) == 0 &&
                        CPU_COUNT(&set) == 1;

        return one;
}
