/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The one entry point: initialises every module in a fixed order, and
 * undoes them in the reverse order, as Netty's netty_unix.c does.
 *
 * When a module's init fails, the modules that succeeded are undone
 * before JNI_OnLoad returns: the JDK unmaps a library whose JNI_OnLoad
 * failed, so natives left registered would point into unmapped code (a
 * crash on the next call instead of an UnsatisfiedLinkError). The load
 * then fails with a pending Java exception, never the process.
 *
 * Test hook: JOUROBOROS_TEST_FAIL_INIT=<module name> makes that module's
 * init fail (it is not called), to test the unwinding.
 *
 * The library's version, JOUR_VERSION (the Maven project's, written into
 * version.h by the Makefile), is the first native registered: the Java
 * loader compares it with its own and refuses a library of another build.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jour.h"
#include "version.h"

#define NATIVE_CLASS "io/jouroboros/internal/Native"

/* The facade class, weakly: a global reference would keep its loader,
 * hence this library, from ever being unloaded. */
static jweak native_cls;

static jstring version(JNIEnv * env,
                       jclass   cls)
{
        (void) cls;

        return (*env)->NewStringUTF(env, JOUR_VERSION);
}

static const JNINativeMethod methods[] = {
        { "version", "()Ljava/lang/String;", (void *) version },
};

static int natives_init(JNIEnv * env)
{
        jclass c;
        jint   ret;

        c = (*env)->FindClass(env, NATIVE_CLASS);
        if (c == NULL)
                return -1;

        ret = (*env)->RegisterNatives(env, c, methods,
                                      sizeof(methods) / sizeof(methods[0]));
        if (ret == JNI_OK)
                native_cls = (*env)->NewWeakGlobalRef(env, c);

        if (ret == JNI_OK && native_cls == NULL)
                (void) (*env)->UnregisterNatives(env, c);

        (*env)->DeleteLocalRef(env, c);

        return ret != JNI_OK || native_cls == NULL ? -1 : 0;
}

/* Every module registers on the one facade class, so its natives go at
 * once, here; on unload the class is usually gone already. */
static void natives_fini(JNIEnv * env)
{
        jclass c;

        c = (*env)->NewLocalRef(env, native_cls);
        if (c != NULL) {
                (void) (*env)->UnregisterNatives(env, c);
                (*env)->DeleteLocalRef(env, c);
        }

        (*env)->DeleteWeakGlobalRef(env, native_cls);
        native_cls = NULL;
}

struct module {
        const char * name;
        int       (* init)(JNIEnv * env);
        /* NULL: nothing to undo but its natives (see natives_fini). */
        void      (* fini)(JNIEnv * env);
};

static const struct module modules[] = {
        { "natives", natives_init,     natives_fini },
        { "errors",  jour_errors_init, NULL },
        { "layer",   jour_layer_init,  NULL },
        { "flow",    jour_flow_init,   jour_flow_fini },
        { "server",  jour_server_init, NULL },
        { "fset",    jour_fset_init,   NULL },
        { "irm",     jour_irm_init,    jour_irm_fini },
};

#define N_MODULES (sizeof(modules) / sizeof(modules[0]))

/* Undoes modules[0 .. n) in the reverse order. */
static void unwind(JNIEnv * env,
                   size_t   n)
{
        while (n-- > 0)
                if (modules[n].fini != NULL)
                        modules[n].fini(env);
}

/* Undoes modules[0 .. n) after modules[n] failed, keeping (or making)
 * the pending exception that fails the load. */
static void fail(JNIEnv * env,
                 size_t   n)
{
        jthrowable pending;
        jclass     ule;
        char       msg[128];

        /* Only a few JNI functions may run with an exception pending. */
        pending = (*env)->ExceptionOccurred(env);
        if (pending != NULL)
                (*env)->ExceptionClear(env);

        unwind(env, n);

        if (pending != NULL) {
                (*env)->Throw(env, pending);
                (*env)->DeleteLocalRef(env, pending);
                return;
        }

        ule = (*env)->FindClass(env, "java/lang/UnsatisfiedLinkError");
        if (ule == NULL)
                return;

        (void) snprintf(msg, sizeof(msg), "jOuroboros native library: "
                        "the %s module failed to initialise",
                        modules[n].name);
        (void) (*env)->ThrowNew(env, ule, msg);
        (*env)->DeleteLocalRef(env, ule);
}

JNIEXPORT jint JNI_OnLoad(JavaVM * vm,
                          void *   reserved)
{
        const char * inject;
        JNIEnv *     env;
        size_t       i;

        (void) reserved;

        if ((*vm)->GetEnv(vm, (void **) &env, JNI_VERSION_1_8) != JNI_OK)
                return JNI_ERR;

        inject = getenv("JOUROBOROS_TEST_FAIL_INIT");

        for (i = 0; i < N_MODULES; ++i) {
                if ((inject != NULL && strcmp(inject, modules[i].name) == 0)
                    || modules[i].init(env) < 0) {
                        fail(env, i);
                        return JNI_ERR;
                }
        }

        return JNI_VERSION_1_8;
}

JNIEXPORT void JNI_OnUnload(JavaVM * vm,
                            void *   reserved)
{
        JNIEnv * env;

        (void) reserved;

        /* The JDK calls this from a Java thread: it has an env. */
        if ((*vm)->GetEnv(vm, (void **) &env, JNI_VERSION_1_8) != JNI_OK)
                return;

        unwind(env, N_MODULES);
}
