/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Choosing the layer, once per process, before any flow exists.
 */
#include <limits.h>
#include <pthread.h>
#include <string.h>

#include "embedded_rendezvous.h"
#include "jour.h"
#include "ouroboros_abi.h"

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
                l = &jour_layer_system;

        if (l == NULL) {
                pthread_mutex_unlock(&select_lock);
                return -EINVAL;
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

static jboolean irmdAlive(JNIEnv * env,
                          jclass   cls,
                          jstring  jpath)
{
        const char * path = NULL;
        int          alive;

        (void) cls;

        if (jpath != NULL) {
                path = (*env)->GetStringUTFChars(env, jpath, NULL);
                if (path == NULL)
                        return JNI_FALSE;
        }

        alive = jour_irmd_alive(path);

        if (path != NULL)
                (*env)->ReleaseStringUTFChars(env, jpath, path);

        return alive ? JNI_TRUE : JNI_FALSE;
}

static jstring layerInfo(JNIEnv * env,
                         jclass   cls)
{
        (void) cls;

        if (running == NULL)
                return NULL;

        return (*env)->NewStringUTF(env, running == &jour_layer_embedded ?
                                    rdv_root() : "Ouroboros " OURO_VERSION
                                    " (" OURO_LIB_DEV ")");
}

/*
 * The embedded layer's rendezvous directory: the one in use, or the one
 * it would use (or was refused) with the setting jcfg; NULL if too long.
 */
static jstring embeddedDir(JNIEnv * env,
                           jclass   cls,
                           jstring  jcfg)
{
        char         path[PATH_MAX];
        const char * cfg = NULL;
        int          ret;

        (void) cls;

        if (running == &jour_layer_embedded)
                return (*env)->NewStringUTF(env, rdv_root());

        if (jcfg != NULL) {
                cfg = (*env)->GetStringUTFChars(env, jcfg, NULL);
                if (cfg == NULL)
                        return NULL;
        }

        ret = rdv_path(cfg, path, sizeof(path));

        if (cfg != NULL)
                (*env)->ReleaseStringUTFChars(env, jcfg, cfg);

        return ret < 0 ? NULL : (*env)->NewStringUTF(env, path);
}

static const JNINativeMethod methods[] = {
        { "layerSelect", "(Ljava/lang/String;Ljava/lang/String;)I",
          (void *) layerSelect },
        { "layerInfo",   "()Ljava/lang/String;", (void *) layerInfo },
        { "irmdAlive",   "(Ljava/lang/String;)Z", (void *) irmdAlive },
        { "embeddedDir", "(Ljava/lang/String;)Ljava/lang/String;",
          (void *) embeddedDir },
};

int jour_layer_init(JNIEnv * env)
{
        return jour_register(env, "io/jouroboros/internal/Native", methods,
                             sizeof(methods) / sizeof(methods[0]));
}
