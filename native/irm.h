/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What the IRM files share: irm.c registers every irm* native and owns
 * the argument checks; irm_config.c turns the typed IPCP configurations
 * into ipcp_config structs; irm_list.c turns the IRMd's IPCP and name
 * lists into Java arrays.
 */
#ifndef JOUR_IRM_H
#define JOUR_IRM_H

#include <stddef.h>

#include "jour.h"

/*
 * Copies a byte[] of at most max bytes without NUL into buf[max + 1];
 * empty is allowed only with allow_empty, null only with allow_null
 * (then buf is ""). Returns the length or -EINVAL.
 */
int jirm_get_str(JNIEnv *   env,
                 jbyteArray arr,
                 char *     buf,
                 size_t     max,
                 int        allow_empty,
                 int        allow_null);

/* irm_config.c: Native.irmBootstrapIpcp. */
jint jirm_bootstrap_ipcp(JNIEnv *   env,
                         jclass     cls,
                         jint       pid,
                         jint       type,
                         jbyteArray jlayer,
                         jint       hash,
                         jlongArray jnums,
                         jbyteArray jbytes);

/* irm_list.c: the byte[] class the lists are made of; 0 or -1. */
int  jirm_list_init(JNIEnv * env);
void jirm_list_fini(JNIEnv * env);

/* irm_list.c: Native.irmListIpcps and Native.irmListNames. */
jint jirm_list_ipcps(JNIEnv *     env,
                     jclass       cls,
                     jobjectArray out);
jint jirm_list_names(JNIEnv *     env,
                     jclass       cls,
                     jobjectArray out);

#endif /* JOUR_IRM_H */
