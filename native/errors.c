/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Error names and the named constants (numbers and strings) Java reads at
 * class initialisation (Consts.java, Errors.java), so no Ouroboros fact is
 * written twice.
 */
#include <string.h>

#include "jour.h"
#include "ouroboros_abi.h"

struct jour_errname {
        int          code;
        const char * name;
        const char * text;
};

static const struct jour_errname errnames[] = {
        { EAGAIN,        "EAGAIN",        "try again" },
        { ETIMEDOUT,     "ETIMEDOUT",     "timed out" },
        { EPERM,         "EPERM",         "operation not permitted by the flow's flags" },
        { EACCES,        "EACCES",        "permission denied" },
        { EMSGSIZE,      "EMSGSIZE",      "SDU larger than the buffer or the layer's largest SDU" },
        { EINVAL,        "EINVAL",        "invalid argument" },
        { EBADF,         "EBADF",         "bad flow descriptor" },
        { ENOMEM,        "ENOMEM",        "out of memory" },
        { ENOSPC,        "ENOSPC",        "no space left" },
        { EMFILE,        "EMFILE",        "too many open files" },
        { ENFILE,        "ENFILE",        "too many open files in the system" },
        { ENOTSUP,       "ENOTSUP",       "not supported on this layer" },
        { EADDRINUSE,    "EADDRINUSE",    "name already bound by this server" },
        { ENAMETOOLONG,  "ENAMETOOLONG",  "path too long" },
        { ENOENT,        "ENOENT",        "no such file or directory" },
        { ENOTDIR,       "ENOTDIR",       "not a directory" },
        { ELOOP,         "ELOOP",         "symbolic link where a directory was expected" },
        { EPROTO,        "EPROTO",        "protocol error" },
        { ECONNREFUSED,  "ECONNREFUSED",  "connection refused" },
        { EINTR,         "EINTR",         "interrupted system call" },
        { ENOTALLOC,     "ENOTALLOC",     "flow is not allocated" },
        { EIPCPTYPE,     "EIPCPTYPE",     "unknown IPCP type" },
        { EIRMD,         "EIRMD",         "failed to communicate with the IRMd" },
        { EIPCP,         "EIPCP",         "failed to communicate with the IPCP: name unreachable" },
        { EIPCPSTATE,    "EIPCPSTATE",    "target in wrong state" },
        { EFLOWDOWN,     "EFLOWDOWN",     "flow is down" },
        { EFLOWPEER,     "EFLOWPEER",     "flow is down: peer timed out" },
        { ENAME,         "ENAME",         "unknown name: nobody is bound to it" },
        { ECRYPT,        "ECRYPT",        "encryption error" },
        { EOAUTH,        "EAUTH",         "authentication error" },
        { EJOUR_WOKEN,   "EWOKEN",        "woken by close" },
        { EJOUR_PROTO,   "EPEERPROTO",    "peer broke the embedded layer protocol" },
        { EJOUR_VERSION, "EVERSION",      "unsupported Ouroboros library version" },
};

#define N_ERRS (sizeof(errnames) / sizeof(errnames[0]))

static const struct jour_const consts[] = {
        { "FLOWFRDONLY",   FLOWFRDONLY },
        { "FLOWFWRONLY",   FLOWFWRONLY },
        { "FLOWFRDWR",     FLOWFRDWR },
        { "FLOWFACCMODE",  FLOWFACCMODE },
        { "FLOWFDOWN",     FLOWFDOWN },
        { "FLOWFRNOBLOCK", FLOWFRNOBLOCK },
        { "FLOWFWNOBLOCK", FLOWFWNOBLOCK },
        { "FLOWFRNOPART",  FLOWFRNOPART },
        { "FLOWFWNOPART",  FLOWFWNOPART },
        { "FRCTFRTX",      FRCTFRTX },
        { "FRCTFRESCNTL",  FRCTFRESCNTL },
        { "FRCTFLINGER",   FRCTFLINGER },
        { "FLOWSRCVTIMEO", FLOWSRCVTIMEO },
        { "FLOWGRCVTIMEO", FLOWGRCVTIMEO },
        { "FLOWSSNDTIMEO", FLOWSSNDTIMEO },
        { "FLOWGSNDTIMEO", FLOWGSNDTIMEO },
        { "FLOWSFLAGS",    FLOWSFLAGS },
        { "FLOWGFLAGS",    FLOWGFLAGS },
        { "FLOWGRXQLEN",   FLOWGRXQLEN },
        { "FLOWGTXQLEN",   FLOWGTXQLEN },
        { "JOURGRXTOTAL",  JOURGRXTOTAL },
        { "JOURGMAXSDU",   JOURGMAXSDU },
        { "IN_EDGE",       JOUR_IN_EDGE },
        { "FRCTSFLAGS",    FRCTSFLAGS },
        { "FRCTGFLAGS",    FRCTGFLAGS },
        { "FLOW_PKT",      JOUR_EV_PKT },
        { "FLOW_DOWN",     JOUR_EV_DOWN },
        { "FLOW_UP",       JOUR_EV_UP },
        { "FLOW_ALLOC",    JOUR_EV_ALLOC },
        { "FLOW_DEALLOC",  JOUR_EV_DEALLOC },
        { "FLOW_PEER",     JOUR_EV_PEER },
        { "EV_OUT",        JOUR_EV_OUT },
        { "EV_RING",       JOUR_EV_RING },
        { "IN_READ",       JOUR_IN_READ },
        { "IN_WRITE",      JOUR_IN_WRITE },
        { "DEFAULT_PEER_TIMEOUT", OURO_DEFAULT_PEER_TIMEOUT },
        { "EAGAIN",        EAGAIN },
        { "EINTR",         EINTR },
        { "EPERM",         EPERM },
        { "EACCES",        EACCES },
        { "EINVAL",        EINVAL },
        { "ENOENT",        ENOENT },
        { "EMSGSIZE",      EMSGSIZE },
        { "ETIMEDOUT",     ETIMEDOUT },
        { "ENOTSUP",       ENOTSUP },
        { "ENOTALLOC",     ENOTALLOC },
        { "EIRMD",         EIRMD },
        { "EIPCP",         EIPCP },
        { "EFLOWDOWN",     EFLOWDOWN },
        { "EFLOWPEER",     EFLOWPEER },
        { "ENAME",         ENAME },
        { "ECRYPT",        ECRYPT },
        { "EAUTH",         EOAUTH },
        { "EWOKEN",        EJOUR_WOKEN },
        { "EVERSION",      EJOUR_VERSION },
};

#define N_CONSTS (sizeof(consts) / sizeof(consts[0]))

struct jour_text {
        const char * name;
        const char * value;
};

/* The strings of the Ouroboros version we support. */
static const struct jour_text texts[] = {
        { "IRM_SOCKET", OURO_IRM_SOCKET },
        { "LIB_DEV",    OURO_LIB_DEV },
        { "LIB_IRM",    OURO_LIB_IRM },
        { "VERSION",    OURO_VERSION },
        { "LAYER_NONE", OURO_LAYER_NONE },
};

#define N_TEXTS (sizeof(texts) / sizeof(texts[0]))

const char * jour_strerror(int code)
{
        size_t i;

        for (i = 0; i < N_ERRS; ++i)
                if (errnames[i].code == code)
                        return errnames[i].text;

        return strerror(code);
}

static jstring errorName(JNIEnv * env,
                         jclass   cls,
                         jint     code)
{
        size_t i;

        (void) cls;

        for (i = 0; i < N_ERRS; ++i)
                if (errnames[i].code == code)
                        return (*env)->NewStringUTF(env, errnames[i].name);

        return NULL;
}

static jstring errorText(JNIEnv * env,
                         jclass   cls,
                         jint     code)
{
        (void) cls;

        return (*env)->NewStringUTF(env, jour_strerror(code));
}

jint jour_constant(JNIEnv *                  env,
                   const struct jour_const * table,
                   size_t                    n,
                   jstring                   jname)
{
        const char * name;
        size_t       i;
        jint         val = -1;

        name = (*env)->GetStringUTFChars(env, jname, NULL);
        if (name == NULL)
                return -1;

        for (i = 0; i < n; ++i) {
                if (strcmp(table[i].name, name) == 0) {
                        val = table[i].value;
                        break;
                }
        }

        (*env)->ReleaseStringUTFChars(env, jname, name);

        if (i == n) {
                jclass ex = (*env)->FindClass(env,
                        "java/lang/IllegalArgumentException");
                if (ex != NULL)
                        (*env)->ThrowNew(env, ex, "no such native constant");
        }

        return val;
}

static jint constant(JNIEnv * env,
                     jclass   cls,
                     jstring  jname)
{
        (void) cls;

        return jour_constant(env, consts, N_CONSTS, jname);
}

static jstring textConstant(JNIEnv * env,
                            jclass   cls,
                            jstring  jname)
{
        const char * name;
        size_t       i;

        (void) cls;

        name = (*env)->GetStringUTFChars(env, jname, NULL);
        if (name == NULL)
                return NULL;

        for (i = 0; i < N_TEXTS; ++i)
                if (strcmp(texts[i].name, name) == 0)
                        break;

        (*env)->ReleaseStringUTFChars(env, jname, name);

        if (i == N_TEXTS) {
                jclass ex = (*env)->FindClass(env,
                        "java/lang/IllegalArgumentException");
                if (ex != NULL)
                        (*env)->ThrowNew(env, ex, "no such native text");
                return NULL;
        }

        return (*env)->NewStringUTF(env, texts[i].value);
}

static const JNINativeMethod methods[] = {
        { "errorName",    "(I)Ljava/lang/String;",  (void *) errorName },
        { "errorText",    "(I)Ljava/lang/String;",  (void *) errorText },
        { "constant",     "(Ljava/lang/String;)I", (void *) constant },
        { "textConstant", "(Ljava/lang/String;)Ljava/lang/String;",
          (void *) textConstant },
};

int jour_errors_init(JNIEnv * env)
{
        return jour_register(env, "io/jouroboros/internal/Native", methods,
                             sizeof(methods) / sizeof(methods[0]));
}
