/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Flow sets and event waits (fset_*, fqueue, fevent): JNI entry points.
 * One wait fills one pair of Java arrays, so a select costs one crossing
 * whatever the number of ready flows.
 */
#include <stdlib.h>

#include "flow.h"
#include "jour.h"

#define WAIT_MAX 256

struct jfset {
        const struct jour_layer * layer;
        void *                    fs;
};

static jint fsetOpen(JNIEnv * env,
                     jclass   cls)
{
        struct jfset * s;
        int            ret;
        int            h;

        (void) env;
        (void) cls;

        s = calloc(1, sizeof(*s));
        if (s == NULL)
                return -ENOMEM;

        s->layer = jour_layer();

        ret = s->layer->fset_create(&s->fs);
        if (ret < 0) {
                free(s);
                return ret;
        }

        h = jour_handle_new(JOUR_FSET, s);
        if (h < 0) {
                s->layer->fset_destroy(s->fs);
                free(s);
        }

        return h;
}

static void * member(jint obj,
                     jboolean is_srv)
{
        if (is_srv) {
                struct jsrv * s = jour_handle_get(obj, JOUR_SERVER);
                return s == NULL ? NULL : s->srv;
        } else {
                struct jflow * f = jflow_get(obj);
                return f == NULL ? NULL : f->lf;
        }
}

static jint fsetCtl(JNIEnv * env,
                    jclass   cls,
                    jint     h,
                    jint     op,
                    jint     obj,
                    jboolean is_srv,
                    jlong    tag,
                    jint     interest)
{
        struct jfset * s = jour_handle_get(h, JOUR_FSET);
        void *         m = member(obj, is_srv);

        (void) env;
        (void) cls;

        if (s == NULL || m == NULL)
                return -EBADF;

        switch (op) {
        case 0:
                return s->layer->fset_add(s->fs, m, is_srv, (uint64_t) tag,
                                          interest);
        case 1:
                return s->layer->fset_mod(s->fs, m, is_srv, (uint64_t) tag,
                                          interest);
        case 2:
                return s->layer->fset_del(s->fs, m, is_srv);
        default:
                return -EINVAL;
        }
}

static jint fsetWait(JNIEnv *   env,
                     jclass     cls,
                     jint       h,
                     jlong      timeo,
                     jlongArray jtags,
                     jintArray  jevents)
{
        struct jfset *    s = jour_handle_get(h, JOUR_FSET);
        struct jour_event ev[WAIT_MAX];
        jlong             tags[WAIT_MAX];
        jint              evs[WAIT_MAX];
        jsize             max;
        int               n;
        int               i;

        (void) cls;

        if (s == NULL)
                return -EBADF;

        max = (*env)->GetArrayLength(env, jtags);
        if ((*env)->GetArrayLength(env, jevents) < max)
                return -EINVAL;
        if (max > WAIT_MAX)
                max = WAIT_MAX;

        n = s->layer->fset_wait(s->fs, ev, max, timeo);
        if (n <= 0)
                return n;

        for (i = 0; i < n; ++i) {
                tags[i] = (jlong) ev[i].tag;
                evs[i]  = (jint) ev[i].events;
        }

        (*env)->SetLongArrayRegion(env, jtags, 0, n, tags);
        (*env)->SetIntArrayRegion(env, jevents, 0, n, evs);

        return (*env)->ExceptionCheck(env) ? -EINVAL : n;
}

/* Sets (set) or drains (!set) the wake-up of a wait on the set. */
static void fsetWake(JNIEnv * env,
                     jclass   cls,
                     jint     h,
                     jboolean set)
{
        struct jfset * s = jour_handle_get(h, JOUR_FSET);

        (void) env;
        (void) cls;

        if (s != NULL)
                s->layer->fset_wake(s->fs, set);
}

/*
 * The looks a set's JOUR_EV_RING asks for (layer.h), for up to WAIT_MAX
 * flows at once: each handle in the array becomes 1 when a read of its
 * flow would not wait, else 0. Memory only, but with drain a flow found
 * empty also loses its wake-up (the looks just after a wait). A handle
 * that names no flow (or a layer without the look) reads 1: the read
 * tells. Returns 0, or -EINVAL for a bad count.
 */
static jint fsetReady(JNIEnv *  env,
                      jclass    cls,
                      jintArray jhandles,
                      jint      n,
                      jboolean  drain)
{
        jint hs[WAIT_MAX];
        int  i;

        (void) cls;

        if (n < 0 || n > WAIT_MAX || n > (*env)->GetArrayLength(env, jhandles))
                return -EINVAL;

        (*env)->GetIntArrayRegion(env, jhandles, 0, n, hs);
        if ((*env)->ExceptionCheck(env))
                return -EINVAL;

        for (i = 0; i < n; ++i) {
                struct jflow * f = jflow_get(hs[i]);

                if (f == NULL || f->lf == NULL ||
                    f->layer->flow_rx_ready == NULL)
                        hs[i] = 1;
                else
                        hs[i] = f->layer->flow_rx_ready(f->lf, drain) != 0;
        }

        (*env)->SetIntArrayRegion(env, jhandles, 0, n, hs);

        return (*env)->ExceptionCheck(env) ? -EINVAL : 0;
}

static void fsetFree(JNIEnv * env,
                     jclass   cls,
                     jint     h)
{
        struct jfset * s = jour_handle_get(h, JOUR_FSET);

        (void) env;
        (void) cls;

        if (s == NULL)
                return;

        jour_handle_free(h);
        s->layer->fset_destroy(s->fs);
        free(s);
}

static const JNINativeMethod methods[] = {
        { "fsetOpen", "()I",          (void *) fsetOpen },
        { "fsetCtl",  "(IIIZJI)I",    (void *) fsetCtl },
        { "fsetWait", "(IJ[J[I)I",    (void *) fsetWait },
        { "fsetWake", "(IZ)V",        (void *) fsetWake },
        { "fsetReady", "([IIZ)I",     (void *) fsetReady },
        { "fsetFree", "(I)V",         (void *) fsetFree },
};

int jour_fset_init(JNIEnv * env)
{
        return jour_register(env, "io/jouroboros/internal/Native", methods,
                             sizeof(methods) / sizeof(methods[0]));
}
