/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Choosing the layer, once per process, before any flow exists.
 */
#include <pthread.h>
#include <string.h>

#include "jour.h"

static const struct jour_layer * running;
static pthread_mutex_t           select_lock = PTHREAD_MUTEX_INITIALIZER;

const struct jour_layer * jour_layer(void)
{
        return running;
}

/* Returns 0, or -errno with nothing chosen. */
int jour_layer_select(const char * which,
                      const char * cfg)
{
        const struct jour_layer * l = NULL;
        int                       ret;

        pthread_mutex_lock(&select_lock);

        if (running != NULL) {
                ret = strcmp(running->name, which) == 0 ? 0 : -EINVAL;
                pthread_mutex_unlock(&select_lock);
                return ret;
        }

        if (strcmp(which, "embedded") == 0)
                l = &jour_layer_embedded;
        else if (strcmp(which, "system") == 0)
                ret = -ENOTSUP; /* the system layer is not built yet */

        if (l == NULL) {
                pthread_mutex_unlock(&select_lock);
                return strcmp(which, "system") == 0 ? -ENOTSUP : -EINVAL;
        }

        ret = l->init(cfg);
        if (ret == 0)
                running = l;

        pthread_mutex_unlock(&select_lock);

        return ret;
}

static jint layerSelect(JNIEnv * env,
                        jclass   cls,
                        jstring  jwhich,
                        jstring  jcfg)
{
        const char * which;
        const char * cfg = NULL;
        int          ret;

        (void) cls;

        which = (*env)->GetStringUTFChars(env, jwhich, NULL);
        if (which == NULL)
                return -ENOMEM;

        if (jcfg != NULL) {
                cfg = (*env)->GetStringUTFChars(env, jcfg, NULL);
                if (cfg == NULL) {
                        (*env)->ReleaseStringUTFChars(env, jwhich, which);
                        return -ENOMEM;
                }
        }

        ret = jour_layer_select(which, cfg);

        if (cfg != NULL)
                (*env)->ReleaseStringUTFChars(env, jcfg, cfg);
        (*env)->ReleaseStringUTFChars(env, jwhich, which);

        return ret;
}

static jstring layerInfo(JNIEnv * env,
                         jclass   cls)
{
        extern const char * rdv_root(void);

        (void) cls;

        if (running == NULL)
                return NULL;

        return (*env)->NewStringUTF(env, running == &jour_layer_embedded ?
                                    rdv_root() : running->name);
}

static const JNINativeMethod methods[] = {
        { "layerSelect", "(Ljava/lang/String;Ljava/lang/String;)I",
          (void *) layerSelect },
        { "layerInfo",   "()Ljava/lang/String;", (void *) layerInfo },
};

int jour_layer_init(JNIEnv * env)
{
        return jour_register(env, "io/jouroboros/internal/Native", methods,
                             sizeof(methods) / sizeof(methods[0]));
}
