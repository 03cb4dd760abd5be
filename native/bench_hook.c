/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A benchmark hook, for jmh/'s JniBench only, not part of the API: the
 * layer calls under Flow.write and Flow.read (one SDU written on one flow,
 * read from another), looped in C, so the cost of the Java path and of
 * JNI is the difference between the two. It waits without slices and
 * asks for no interrupt: nothing to use outside a benchmark.
 */
#include <stdlib.h>
#include <sys/uio.h>

#include "flow.h"
#include "jour.h"

/* n times: write len bytes at addr on flow hw, read them back from hr. */
static jint benchWriteRead(JNIEnv * env,
                           jclass   cls,
                           jint     hw,
                           jint     hr,
                           jlong    addr,
                           jint     len,
                           jint     n)
{
        struct jflow * w = jflow_get(hw);
        struct jflow * r = jflow_get(hr);
        uint8_t *      buf = (uint8_t *) (uintptr_t) addr;
        struct iovec   iov[2];
        uint8_t *      over;
        ssize_t        ret = 0;
        jint           i;

        (void) env;
        (void) cls;

        if (w == NULL || r == NULL || w->lf == NULL || r->lf == NULL)
                return -EBADF;

        if (buf == NULL || len < 0 || n < 0)
                return -EINVAL;

        over = malloc(r->layer->max_sdu);
        if (over == NULL)
                return -ENOMEM;

        for (i = 0; i < n; ++i) {
                ret = w->layer->flow_write(w->lf, buf, (size_t) len, -1);
                if (ret < 0)
                        break;
                iov[0].iov_base = buf;
                iov[0].iov_len  = (size_t) len;
                iov[1].iov_base = over;
                iov[1].iov_len  = r->layer->max_sdu;
                ret = r->layer->flow_read(r->lf, iov, 2, -1);
                if (ret < 0)
                        break;
        }

        free(over);

        return i == n ? n : (jint) ret;
}

static const JNINativeMethod methods[] = {
        { "benchWriteRead", "(IIJII)I", (void *) benchWriteRead },
};

int jour_bench_init(JNIEnv * env)
{
        return jour_register(env, "io/jouroboros/internal/Native", methods,
                             sizeof(methods) / sizeof(methods[0]));
}
