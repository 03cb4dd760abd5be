/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef JOUR_FLOW_H
#define JOUR_FLOW_H

#include <jni.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>

#include "layer.h"

/* A flow as Java sees it: the layer's flow plus the fccntl state. */
struct jflow {
        const struct jour_layer * layer;
        void *                    lf;
        pthread_mutex_t           lock;     /* lf publication vs. wake  */
        volatile int              closing;
        int                       flags;    /* FLOWF*                   */
        int                       frct;     /* FRCTF*                   */
        int64_t                   rcvtimeo; /* ns, -1 = none            */
        int64_t                   sndtimeo;
        /* The unread rest of a partly read SDU. */
        uint8_t *                 rest;
        size_t                    rest_off;
        size_t                    rest_len;
        int                       part_end; /* next read returns 0      */
};

/* An accepting side as Java sees it. */
struct jsrv {
        const struct jour_layer * layer;
        void *                    srv;
};

struct jflow * jflow_new(void * lf);
int            jflow_handle(struct jflow * f);
struct jflow * jflow_get(int h);

/* bench_hook.c: jmh's JniBench hook, registered with flow.c's methods. */
int            jour_bench_init(JNIEnv * env);

#endif /* JOUR_FLOW_H */
