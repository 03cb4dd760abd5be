/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The IRM management API: libouroboros-irm, through the binding the
 * system layer uses too (system_lib.c: one dlopen, one symbol table),
 * loaded on first use. That library has no constructor, so loading it
 * without an IRMd is safe (its calls then return -EIRMD), and it needs
 * neither the system layer nor libouroboros-dev.
 *
 * This file registers every irm* native, with the constants Java reads,
 * and holds the calls that take only names, pids and paths; the IPCP
 * configurations are in irm_config.c, the lists in irm_list.c.
 *
 * Every entry point checks its arguments before the library sees them and
 * returns 0 / a count, or -code. What we guard against in 0.23 here:
 *
 *  - irm_destroy_ipcp(pid) makes the IRMd (root) SIGTERM that pid with no
 *    check at all; pid 0 signals the IRMd's own process group. We only
 *    pass a pid > 0 that irm_list_ipcps reports at that moment.
 *  - irm_bind_program looks a program without a '/' up in $PATH by
 *    writing NULs over the ':' of the process's own environment string
 *    (getenv("PATH") is cut to its first entry for good). We take only
 *    paths with a '/' (Java resolves the name against its own copy of
 *    PATH first).
 *  - <ouroboros/irm.h> declares irm_connect_ipcp/irm_disconnect_ipcp with
 *    dst and component swapped: we call them as the library defines them.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "irm.h"
#include "ouroboros_abi.h"
#include "system_lib.h"

#define IRM_PROG_MAX  4095 /* a program path, bytes          */
#define IRM_ARGC_MAX  255  /* arguments of a bound program   */
#define IRM_ARG_MAX   4095 /* one argument, bytes            */
#define N_SEC_PATHS   6    /* server enc/key/crt, client same */

int jirm_get_str(JNIEnv *   env,
                 jbyteArray arr,
                 char *     buf,
                 size_t     max,
                 int        allow_empty,
                 int        allow_null)
{
        jsize n;

        buf[0] = '\0';

        if (arr == NULL)
                return allow_null ? 0 : -EINVAL;

        n = (*env)->GetArrayLength(env, arr);
        if (n < 0 || (size_t) n > max || (n == 0 && !allow_empty))
                return -EINVAL;

        (*env)->GetByteArrayRegion(env, arr, 0, n, (jbyte *) buf);
        if ((*env)->ExceptionCheck(env))
                return -EINVAL;

        if (memchr(buf, '\0', (size_t) n) != NULL)
                return -EINVAL;

        buf[n] = '\0';

        return (int) n;
}

static int get_name(JNIEnv *   env,
                    jbyteArray arr,
                    char *     buf)
{
        return jirm_get_str(env, arr, buf, OURO_NAME_SIZE, 0, 0);
}

/* ------------------------------------------------------------ IPCPs */

static jint irmLoad(JNIEnv * env,
                    jclass   cls)
{
        (void) env;
        (void) cls;

        return syslib_irm();
}

static jint irmCreateIpcp(JNIEnv *   env,
                          jclass     cls,
                          jbyteArray jname,
                          jint       type)
{
        char name[OURO_IPCP_NAME_SIZE + 1];
        int  ret;

        (void) cls;

        if ((ret = syslib_irm()) < 0)
                return ret;

        if (type < OURO_IPCP_LOCAL || type >= OURO_IPCP_INVALID)
                return -EINVAL;

        if (jirm_get_str(env, jname, name, OURO_IPCP_NAME_SIZE, 0, 0) < 0)
                return -EINVAL;

        /* 0 on success, not the pid: Java finds the pid by listing. */
        ret = syslib.irm_create_ipcp(name, type);

        return ret > 0 ? 0 : ret;
}

/* Whether pid is an IPCP the IRMd lists now: 1, 0, or -code. */
static int ipcp_listed(pid_t pid)
{
        ouro_ipcp_list_info_t * l = NULL;
        long                    n;
        long                    i;
        int                     found = 0;

        n = syslib.irm_list_ipcps(&l);
        if (n < 0)
                return (int) n;

        for (i = 0; i < n && l != NULL; ++i)
                if (l[i].pid == pid)
                        found = 1;

        free(l);

        return found;
}

static jint irmDestroyIpcp(JNIEnv * env,
                           jclass   cls,
                           jint     pid)
{
        int ret;

        (void) env;
        (void) cls;

        if ((ret = syslib_irm()) < 0)
                return ret;

        /* The IRMd would kill(pid, SIGTERM) whatever pid it gets. */
        if (pid <= 0 || pid == getpid())
                return -EINVAL;

        ret = ipcp_listed(pid);
        if (ret < 0)
                return ret;
        if (ret == 0)
                return -EIPCP;

        return syslib.irm_destroy_ipcp(pid);
}


static jint irmEnrollIpcp(JNIEnv *   env,
                          jclass     cls,
                          jint       pid,
                          jbyteArray jdst)
{
        char dst[OURO_NAME_SIZE + 1];
        int  ret;

        (void) cls;

        if ((ret = syslib_irm()) < 0)
                return ret;

        if (pid <= 0 || get_name(env, jdst, dst) < 0)
                return -EINVAL;

        return syslib.irm_enroll_ipcp(pid, dst);
}


static jint irmConnectIpcp(JNIEnv *   env,
                           jclass     cls,
                           jint       pid,
                           jbyteArray jcomp,
                           jbyteArray jdst,
                           jlongArray jqos,
                           jboolean   connect)
{
        char            comp[OURO_NAME_SIZE + 1];
        char            dst[OURO_NAME_SIZE + 1];
        struct jour_qos q;
        ouro_qosspec_t  qs;
        int             ret;

        (void) cls;

        if ((ret = syslib_irm()) < 0)
                return ret;

        if (pid <= 0 || get_name(env, jcomp, comp) < 0 ||
            get_name(env, jdst, dst) < 0)
                return -EINVAL;

        if (!connect)
                return syslib.irm_disconnect_ipcp(pid, dst, comp);

        if (jour_qos_from_java(env, jqos, &q) < 0)
                return -EINVAL;

        memset(&qs, 0, sizeof(qs));
        qs.delay        = q.delay;
        qs.bandwidth    = q.bandwidth;
        qs.availability = q.availability;
        qs.loss         = q.loss;
        qs.ber          = q.ber;
        qs.in_order     = q.in_order;
        qs.max_gap      = q.max_gap;
        qs.timeout      = q.timeout;

        return syslib.irm_connect_ipcp(pid, dst, comp, qs);
}

/* ------------------------------------------------------------ binding */

static void free_args(char ** argv,
                      int     argc)
{
        int i;

        if (argv == NULL)
                return;

        for (i = 0; i < argc; ++i)
                free(argv[i]);

        free(argv);
}

static jint irmBindProgram(JNIEnv *     env,
                           jclass       cls,
                           jbyteArray   jprog,
                           jbyteArray   jname,
                           jboolean     autostart,
                           jobjectArray jargs)
{
        char *  prog;
        char    name[OURO_NAME_SIZE + 1];
        char ** argv = NULL;
        jsize   argc = 0;
        jsize   i;
        int     ret;

        (void) cls;

        if ((ret = syslib_irm()) < 0)
                return ret;

        if (get_name(env, jname, name) < 0)
                return -EINVAL;

        if (jargs != NULL) {
                argc = (*env)->GetArrayLength(env, jargs);
                if (argc < 0 || argc > IRM_ARGC_MAX)
                        return -EINVAL;
        }

        prog = malloc(IRM_PROG_MAX + 1);
        if (prog == NULL)
                return -ENOMEM;

        ret = -EINVAL;

        /* No '/': the library would search $PATH by cutting it up. */
        if (jirm_get_str(env, jprog, prog, IRM_PROG_MAX, 0, 0) < 0 ||
            strchr(prog, '/') == NULL)
                goto out;

        if (argc > 0) {
                argv = calloc((size_t) argc, sizeof(*argv));
                if (argv == NULL) {
                        ret = -ENOMEM;
                        goto out;
                }
        }

        for (i = 0; i < argc; ++i) {
                jbyteArray a = (*env)->GetObjectArrayElement(env, jargs, i);
                int        n;

                argv[i] = malloc(IRM_ARG_MAX + 1);
                if (argv[i] == NULL) {
                        if (a != NULL)
                                (*env)->DeleteLocalRef(env, a);
                        ret = -ENOMEM;
                        goto out;
                }

                n = jirm_get_str(env, a, argv[i], IRM_ARG_MAX, 1, 0);
                if (a != NULL)
                        (*env)->DeleteLocalRef(env, a);
                if (n < 0)
                        goto out;
        }

        ret = syslib.irm_bind_program(prog, name,
                                 autostart ? OURO_BIND_AUTO : 0,
                                 (int) argc, argv);
 out:
        free_args(argv, (int) argc);
        free(prog);

        return ret;
}

static jint irmUnbindProgram(JNIEnv *   env,
                             jclass     cls,
                             jbyteArray jprog,
                             jbyteArray jname)
{
        char * prog;
        char   name[OURO_NAME_SIZE + 1];
        int    ret;

        (void) cls;

        if ((ret = syslib_irm()) < 0)
                return ret;

        if (get_name(env, jname, name) < 0)
                return -EINVAL;

        prog = malloc(IRM_PROG_MAX + 1);
        if (prog == NULL)
                return -ENOMEM;

        if (jirm_get_str(env, jprog, prog, IRM_PROG_MAX, 0, 0) < 0)
                ret = -EINVAL;
        else
                ret = syslib.irm_unbind_program(prog, name);

        free(prog);

        return ret;
}

static jint irmBindProcess(JNIEnv *   env,
                           jclass     cls,
                           jint       pid,
                           jbyteArray jname,
                           jboolean   bind)
{
        char name[OURO_NAME_SIZE + 1];
        int  ret;

        (void) cls;

        if ((ret = syslib_irm()) < 0)
                return ret;

        if (pid <= 0 || get_name(env, jname, name) < 0)
                return -EINVAL;

        return bind ? syslib.irm_bind_process(pid, name) :
                syslib.irm_unbind_process(pid, name);
}

/* ------------------------------------------------------------ names */

/* paths: server enc, key, crt, client enc, key, crt; null or empty = the
 * IRMd's default. */
static jint irmCreateName(JNIEnv *     env,
                          jclass       cls,
                          jbyteArray   jname,
                          jint         lb,
                          jobjectArray jpaths)
{
        ouro_name_info_t * info;
        jsize              np = 0;
        jsize              i;
        int                ret;

        (void) cls;

        if ((ret = syslib_irm()) < 0)
                return ret;

        if ((lb != OURO_LB_RR && lb != OURO_LB_SPILL))
                return -EINVAL;

        if (jpaths != NULL) {
                np = (*env)->GetArrayLength(env, jpaths);
                if (np != N_SEC_PATHS)
                        return -EINVAL;
        }

        info = calloc(1, sizeof(*info));
        if (info == NULL)
                return -ENOMEM;

        ret = -EINVAL;

        if (get_name(env, jname, info->name) < 0)
                goto out;

        info->pol_lb = (uint32_t) lb;

        for (i = 0; i < np; ++i) {
                jbyteArray p = (*env)->GetObjectArrayElement(env, jpaths, i);
                int        n;

                n = jirm_get_str(env, p, info->sec[i / 3][i % 3],
                                 OURO_NAME_PATH_SIZE, 1, 1);
                if (p != NULL)
                        (*env)->DeleteLocalRef(env, p);
                if (n < 0)
                        goto out;
        }

        ret = syslib.irm_create_name(info);
 out:
        free(info);

        return ret;
}

static jint irmDestroyName(JNIEnv *   env,
                           jclass     cls,
                           jbyteArray jname)
{
        char name[OURO_NAME_SIZE + 1];
        int  ret;

        (void) cls;

        if ((ret = syslib_irm()) < 0)
                return ret;

        if (get_name(env, jname, name) < 0)
                return -EINVAL;

        return syslib.irm_destroy_name(name);
}


static jint irmRegName(JNIEnv *   env,
                       jclass     cls,
                       jbyteArray jname,
                       jint       pid,
                       jboolean   reg)
{
        char name[OURO_NAME_SIZE + 1];
        int  ret;

        (void) cls;

        if ((ret = syslib_irm()) < 0)
                return ret;

        if (pid <= 0 || get_name(env, jname, name) < 0)
                return -EINVAL;

        return reg ? syslib.irm_reg_name(name, pid) : syslib.irm_unreg_name(name, pid);
}

/* ------------------------------------------------------------ constants */

static const struct jour_const consts[] = {
        { "IPCP_LOCAL",          OURO_IPCP_LOCAL },
        { "IPCP_UNICAST",        OURO_IPCP_UNICAST },
        { "IPCP_BROADCAST",      OURO_IPCP_BROADCAST },
        { "IPCP_ETH_LLC",        OURO_IPCP_ETH_LLC },
        { "IPCP_ETH_DIX",        OURO_IPCP_ETH_DIX },
        { "IPCP_UDP4",           OURO_IPCP_UDP4 },
        { "IPCP_UDP6",           OURO_IPCP_UDP6 },
        { "DIR_HASH_SHA3_224",   OURO_DIR_HASH_SHA3_224 },
        { "DIR_HASH_SHA3_256",   OURO_DIR_HASH_SHA3_256 },
        { "DIR_HASH_SHA3_384",   OURO_DIR_HASH_SHA3_384 },
        { "DIR_HASH_SHA3_512",   OURO_DIR_HASH_SHA3_512 },
        { "LB_RR",               OURO_LB_RR },
        { "LB_SPILL",            OURO_LB_SPILL },
        { "LS_SIMPLE",           OURO_LS_SIMPLE },
        { "LS_LFA",              OURO_LS_LFA },
        { "LS_ECMP",             OURO_LS_ECMP },
        { "CA_NONE",             OURO_CA_NONE },
        { "CA_MB_ECN",           OURO_CA_MB_ECN },
        { "ROUTING_LINK_STATE",  OURO_ROUTING_LINK_STATE },
        { "DIR_DHT",             OURO_DIR_DHT },
        { "ADDR_AUTH_FLAT_RANDOM", OURO_ADDR_AUTH_FLAT_RANDOM },
        { "DHT_ALPHA_MIN",       OURO_DHT_ALPHA_MIN },
        { "DHT_ALPHA_MAX",       OURO_DHT_ALPHA_MAX },
        { "DHT_K_MIN",           OURO_DHT_K_MIN },
        { "DHT_K_MAX",           OURO_DHT_K_MAX },
        { "DHT_T_EXPIRE_MIN",    OURO_DHT_T_EXPIRE_MIN },
        { "DHT_T_EXPIRE_MAX",    OURO_DHT_T_EXPIRE_MAX },
        { "DHT_T_REFRESH_MIN",   OURO_DHT_T_REFRESH_MIN },
        { "DHT_T_REFRESH_MAX",   OURO_DHT_T_REFRESH_MAX },
        { "DHT_T_REPLICATE_MIN", OURO_DHT_T_REPLICATE_MIN },
        { "DHT_T_REPLICATE_MAX", OURO_DHT_T_REPLICATE_MAX },
        { "NAME_PATH_SIZE",      OURO_NAME_PATH_SIZE },
        { "PROG_MAX",            IRM_PROG_MAX },
        { "ARGC_MAX",            IRM_ARGC_MAX },
        { "ARG_MAX",             IRM_ARG_MAX },
};

#define N_CONSTS (sizeof(consts) / sizeof(consts[0]))

static jint irmConstant(JNIEnv * env,
                        jclass   cls,
                        jstring  jname)
{
        (void) cls;

        return jour_constant(env, consts, N_CONSTS, jname);
}

static const JNINativeMethod methods[] = {
        { "irmLoad",          "()I",                     (void *) irmLoad },
        { "irmConstant",      "(Ljava/lang/String;)I",   (void *) irmConstant },
        { "irmCreateIpcp",    "([BI)I",                  (void *) irmCreateIpcp },
        { "irmDestroyIpcp",   "(I)I",                    (void *) irmDestroyIpcp },
        { "irmListIpcps",     "([Ljava/lang/Object;)I",  (void *) jirm_list_ipcps },
        { "irmEnrollIpcp",    "(I[B)I",                  (void *) irmEnrollIpcp },
        { "irmBootstrapIpcp", "(II[BI[J[B)I",            (void *) jirm_bootstrap_ipcp },
        { "irmConnectIpcp",   "(I[B[B[JZ)I",             (void *) irmConnectIpcp },
        { "irmBindProgram",   "([B[BZ[[B)I",             (void *) irmBindProgram },
        { "irmUnbindProgram", "([B[B)I",                 (void *) irmUnbindProgram },
        { "irmBindProcess",   "(I[BZ)I",                 (void *) irmBindProcess },
        { "irmCreateName",    "([BI[[B)I",               (void *) irmCreateName },
        { "irmDestroyName",   "([B)I",                   (void *) irmDestroyName },
        { "irmListNames",     "([Ljava/lang/Object;)I",  (void *) jirm_list_names },
        { "irmRegName",       "([BIZ)I",                 (void *) irmRegName },
};

int jour_irm_init(JNIEnv * env)
{
        if (jirm_list_init(env) < 0)
                return -1;

        if (jour_register(env, "io/jouroboros/internal/Native", methods,
                          sizeof(methods) / sizeof(methods[0])) < 0) {
                jirm_list_fini(env);
                return -1;
        }

        return 0;
}

/*
 * libouroboros-irm stays open: its pthread_once cannot be re-armed, and
 * the system layer holds the same handle (system_lib.c).
 */
void jour_irm_fini(JNIEnv * env)
{
        jirm_list_fini(env);
}
