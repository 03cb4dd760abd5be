/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The one entry point: registers every concern's natives in a fixed order.
 * A failure leaves a pending Java exception and makes the load fail,
 * never the process.
 */
#include "jour.h"

JNIEXPORT jint JNI_OnLoad(JavaVM * vm,
                          void *   reserved)
{
        JNIEnv * env;

        (void) reserved;

        if ((*vm)->GetEnv(vm, (void **) &env, JNI_VERSION_1_8) != JNI_OK)
                return JNI_ERR;

        if (jour_handles_init() < 0 ||
            jour_errors_init(env) < 0 ||
            jour_layer_init(env) < 0 ||
            jour_flow_init(env) < 0 ||
            jour_server_init(env) < 0 ||
            jour_fset_init(env) < 0 ||
            jour_irm_init(env) < 0)
                return JNI_ERR;

        return JNI_VERSION_1_8;
}

JNIEXPORT void JNI_OnUnload(JavaVM * vm,
                            void *   reserved)
{
        (void) vm;
        (void) reserved;

        jour_flow_fini();
        jour_handles_fini();
}
