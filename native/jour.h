/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Internal declarations shared by the native files.
 */
#ifndef JOUR_JOUR_H
#define JOUR_JOUR_H

#include <jni.h>
#include <stdint.h>
#include <time.h>

#include "clock.h"
#include "errors.h"
#include "layer.h"

#define JOUR_NAME_MAX 255

/* Handle table: Java sees every native object as a small int. */
enum jour_kind {
        JOUR_FLOW   = 1,
        JOUR_SERVER = 2,
        JOUR_FSET   = 3
};

int    jour_handle_new(int kind, void * obj);
void * jour_handle_get(int h, int kind);
void   jour_handle_free(int h);


/* Copies a Java byte[] name; -EINVAL (Java checked first) if bad. */
int jour_get_name(JNIEnv *   env,
                  jbyteArray arr,
                  char *     buf,
                  size_t *   len);

/*
 * Per-concern registration and lifecycle, in the order JNI_OnLoad calls
 * them (jni_onload.c); each fini undoes its init and runs in the reverse
 * order, on unload or when a later init fails. An init returns 0, or -1
 * (with or without a pending exception) having undone its own work. A
 * concern without a fini holds nothing but its natives.
 */
int  jour_errors_init(JNIEnv * env);
int  jour_layer_init(JNIEnv * env);
int  jour_flow_init(JNIEnv * env);
void jour_flow_fini(JNIEnv * env);
int  jour_server_init(JNIEnv * env);
int  jour_fset_init(JNIEnv * env);
int  jour_irm_init(JNIEnv * env);
/* Releases what jour_irm_init took (the byte[] class reference). */
void jour_irm_fini(JNIEnv * env);

/* qos <-> long[8] */
int  jour_qos_from_java(JNIEnv *          env,
                        jlongArray        arr,
                        struct jour_qos * qs);
int  jour_qos_to_java(JNIEnv *                env,
                      const struct jour_qos * qs,
                      jlongArray              arr);

/* A table of named constants that Java reads by name. */
struct jour_const {
        const char * name;
        int          value;
};

/* The value of a name in a table; throws IllegalArgumentException if none. */
jint jour_constant(JNIEnv *                  env,
                   const struct jour_const * table,
                   size_t                    n,
                   jstring                   jname);

int jour_register(JNIEnv *                env,
                  const char *            cls,
                  const JNINativeMethod * m,
                  int                     n);

#endif /* JOUR_JOUR_H */
