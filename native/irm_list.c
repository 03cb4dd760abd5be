/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The IRMd's lists as Java arrays: irm_list_ipcps and irm_list_names,
 * each answered into an Object[] Java passes in (Irm.java unpacks it).
 * What we guard against in 0.23:
 *
 *  - irm_list_ipcps strcpy's 255-byte names into 255-byte fields (no NUL
 *    inside the field): we read them with strnlen.
 *  - irm_list_names fills only name and pol_lb: the security paths are
 *    uninitialised heap, never read.
 */
#include <stdlib.h>
#include <string.h>

#include "irm.h"
#include "ouroboros_abi.h"
#include "system_lib.h"

#define IRM_LIST_MAX  (1 << 20)

static jclass bytes_cls; /* byte[], a global reference */

int jirm_list_init(JNIEnv * env)
{
        jclass c;

        c = (*env)->FindClass(env, "[B");
        if (c == NULL)
                return -1;

        bytes_cls = (*env)->NewGlobalRef(env, c);
        (*env)->DeleteLocalRef(env, c);

        return bytes_cls == NULL ? -1 : 0;
}

void jirm_list_fini(JNIEnv * env)
{
        if (bytes_cls != NULL)
                (*env)->DeleteGlobalRef(env, bytes_cls);
        bytes_cls = NULL;
}

/* Puts a new byte[] holding s[0..len) at arr[i]. */
static int put_bytes(JNIEnv *     env,
                     jobjectArray arr,
                     jsize        i,
                     const char * s,
                     size_t       len)
{
        jbyteArray b;

        b = (*env)->NewByteArray(env, (jsize) len);
        if (b == NULL)
                return -ENOMEM;

        (*env)->SetByteArrayRegion(env, b, 0, (jsize) len, (const jbyte *) s);
        if (!(*env)->ExceptionCheck(env))
                (*env)->SetObjectArrayElement(env, arr, i, b);
        (*env)->DeleteLocalRef(env, b);

        return (*env)->ExceptionCheck(env) ? -ENOMEM : 0;
}

static int out_ok(JNIEnv *     env,
                  jobjectArray out,
                  jsize        n)
{
        return out != NULL && (*env)->GetArrayLength(env, out) >= n;
}

/* out[0] = int[2n] (pid, type pairs), out[1] = names, out[2] = layers. */
jint jirm_list_ipcps(JNIEnv *     env,
                     jclass       cls,
                     jobjectArray out)
{
        ouro_ipcp_list_info_t * l = NULL;
        jintArray               pt = NULL;
        jobjectArray            names = NULL;
        jobjectArray            layers = NULL;
        jint *                  v = NULL;
        long                    n;
        long                    i;
        int                     ret;

        (void) cls;

        if ((ret = syslib_irm()) < 0)
                return ret;

        if (!out_ok(env, out, 3))
                return -EINVAL;

        n = syslib.irm_list_ipcps(&l);
        if (n < 0)
                return (jint) n;

        if (n > IRM_LIST_MAX || (n > 0 && l == NULL)) {
                free(l);
                return -EPROTO;
        }

        ret = -ENOMEM;

        v = malloc(sizeof(*v) * 2 * (size_t) (n > 0 ? n : 1));
        if (v == NULL)
                goto out;

        pt = (*env)->NewIntArray(env, (jsize) (2 * n));
        names = (*env)->NewObjectArray(env, (jsize) n, bytes_cls, NULL);
        layers = (*env)->NewObjectArray(env, (jsize) n, bytes_cls, NULL);
        if (pt == NULL || names == NULL || layers == NULL)
                goto out;

        for (i = 0; i < n; ++i) {
                v[2 * i]     = l[i].pid;
                v[2 * i + 1] = (jint) l[i].type;
                if (put_bytes(env, names, (jsize) i, l[i].name,
                              strnlen(l[i].name, sizeof(l[i].name))) < 0 ||
                    put_bytes(env, layers, (jsize) i, l[i].layer,
                              strnlen(l[i].layer, sizeof(l[i].layer))) < 0)
                        goto out;
        }

        (*env)->SetIntArrayRegion(env, pt, 0, (jsize) (2 * n), v);
        if ((*env)->ExceptionCheck(env))
                goto out;

        (*env)->SetObjectArrayElement(env, out, 0, pt);
        (*env)->SetObjectArrayElement(env, out, 1, names);
        (*env)->SetObjectArrayElement(env, out, 2, layers);
        if ((*env)->ExceptionCheck(env))
                goto out;

        ret = (jint) n;
 out:
        free(v);
        free(l);
        if (pt != NULL)
                (*env)->DeleteLocalRef(env, pt);
        if (names != NULL)
                (*env)->DeleteLocalRef(env, names);
        if (layers != NULL)
                (*env)->DeleteLocalRef(env, layers);

        return ret;
}

/* out[0] = int[n] load-balance policies, out[1] = names. */
jint jirm_list_names(JNIEnv *     env,
                     jclass       cls,
                     jobjectArray out)
{
        ouro_name_info_t * l = NULL;
        jintArray          lbs = NULL;
        jobjectArray       names = NULL;
        jint *             v = NULL;
        long               n;
        long               i;
        int                ret;

        (void) cls;

        if ((ret = syslib_irm()) < 0)
                return ret;

        if (!out_ok(env, out, 2))
                return -EINVAL;

        n = syslib.irm_list_names(&l);
        if (n < 0)
                return (jint) n;

        if (n > IRM_LIST_MAX || (n > 0 && l == NULL)) {
                free(l);
                return -EPROTO;
        }

        ret = -ENOMEM;

        v = malloc(sizeof(*v) * (size_t) (n > 0 ? n : 1));
        if (v == NULL)
                goto out;

        lbs = (*env)->NewIntArray(env, (jsize) n);
        names = (*env)->NewObjectArray(env, (jsize) n, bytes_cls, NULL);
        if (lbs == NULL || names == NULL)
                goto out;

        /* Only name and pol_lb are filled: the paths are garbage. */
        for (i = 0; i < n; ++i) {
                v[i] = (jint) l[i].pol_lb;
                if (put_bytes(env, names, (jsize) i, l[i].name,
                              strnlen(l[i].name, sizeof(l[i].name))) < 0)
                        goto out;
        }

        (*env)->SetIntArrayRegion(env, lbs, 0, (jsize) n, v);
        if ((*env)->ExceptionCheck(env))
                goto out;

        (*env)->SetObjectArrayElement(env, out, 0, lbs);
        (*env)->SetObjectArrayElement(env, out, 1, names);
        if ((*env)->ExceptionCheck(env))
                goto out;

        ret = (jint) n;
 out:
        free(v);
        free(l);
        if (lbs != NULL)
                (*env)->DeleteLocalRef(env, lbs);
        if (names != NULL)
                (*env)->DeleteLocalRef(env, names);

        return ret;
}
