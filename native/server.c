/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The accepting side (flow_accept) and process binding: JNI entry points.
 */
#include <pthread.h>
#include <stdlib.h>

#include "flow.h"
#include "jour.h"

static jint serverOpen(JNIEnv * env,
                       jclass   cls)
{
        struct jsrv * s;
        int           ret;
        int           h;

        (void) env;
        (void) cls;

        s = calloc(1, sizeof(*s));
        if (s == NULL)
                return -ENOMEM;

        s->layer = jour_layer();

        ret = s->layer->srv_create(&s->srv);
        if (ret < 0) {
                free(s);
                return ret;
        }

        h = jour_handle_new(JOUR_SERVER, s);
        if (h < 0) {
                s->layer->srv_destroy(s->srv);
                free(s);
        }

        return h;
}

static jint serverBind(JNIEnv *   env,
                       jclass     cls,
                       jint       h,
                       jbyteArray jname)
{
        struct jsrv * s = jour_handle_get(h, JOUR_SERVER);
        char          name[JOUR_NAME_MAX + 1];
        size_t        len;

        (void) cls;

        if (s == NULL)
                return -EBADF;

        if (jour_get_name(env, jname, name, &len) < 0)
                return -EINVAL;

        return s->layer->srv_bind(s->srv, name, len);
}

static jint serverAccept(JNIEnv *   env,
                         jclass     cls,
                         jint       h,
                         jlong      timeo,
                         jlongArray jqos)
{
        struct jsrv *   s = jour_handle_get(h, JOUR_SERVER);
        struct jflow *  f;
        struct jour_qos qs;
        void *          lf = NULL;
        int             ret;

        (void) cls;

        if (s == NULL)
                return -EBADF;

        ret = s->layer->srv_accept(s->srv, &qs, timeo, &lf);
        if (ret < 0)
                return ret;

        f = jflow_new(lf);
        if (f == NULL) {
                s->layer->flow_dealloc(lf);
                return -ENOMEM;
        }

        ret = jour_qos_to_java(env, &qs, jqos);
        if (ret < 0) {
                f->lf = NULL;
                s->layer->flow_dealloc(lf);
                free(f);
                return ret;
        }

        return jflow_handle(f);
}

static void serverWake(JNIEnv * env,
                       jclass   cls,
                       jint     h)
{
        struct jsrv * s = jour_handle_get(h, JOUR_SERVER);

        (void) env;
        (void) cls;

        if (s != NULL)
                s->layer->srv_wake(s->srv);
}

static void serverFree(JNIEnv * env,
                       jclass   cls,
                       jint     h)
{
        struct jsrv * s = jour_handle_get(h, JOUR_SERVER);

        (void) env;
        (void) cls;

        if (s == NULL)
                return;

        jour_handle_free(h);
        s->layer->srv_destroy(s->srv);
        free(s);
}

static jint procBind(JNIEnv *   env,
                     jclass     cls,
                     jbyteArray jname,
                     jboolean   bind)
{
        char   name[JOUR_NAME_MAX + 1];
        size_t len;

        (void) cls;

        if (jour_get_name(env, jname, name, &len) < 0)
                return -EINVAL;

        return bind ? jour_layer()->proc_bind(name, len) :
                jour_layer()->proc_unbind(name, len);
}

static const JNINativeMethod methods[] = {
        { "serverOpen",   "()I",        (void *) serverOpen },
        { "serverBind",   "(I[B)I",     (void *) serverBind },
        { "serverAccept", "(IJ[J)I",    (void *) serverAccept },
        { "serverWake",   "(I)V",       (void *) serverWake },
        { "serverFree",   "(I)V",       (void *) serverFree },
        { "procBind",     "([BZ)I",     (void *) procBind },
};

int jour_server_init(JNIEnv * env)
{
        return jour_register(env, "io/jouroboros/internal/Native", methods,
                             sizeof(methods) / sizeof(methods[0]));
}
