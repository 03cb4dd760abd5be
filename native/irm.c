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
 * Every entry point checks its arguments before the library sees them and
 * returns 0 / a count, or -code. What we guard against in 0.23:
 *
 *  - irm_destroy_ipcp(pid) makes the IRMd (root) SIGTERM that pid with no
 *    check at all; pid 0 signals the IRMd's own process group. We only
 *    pass a pid > 0 that irm_list_ipcps reports at that moment.
 *  - irm_bind_program looks a program without a '/' up in $PATH by
 *    writing NULs over the ':' of the process's own environment string
 *    (getenv("PATH") is cut to its first entry for good). We take only
 *    paths with a '/' (Java resolves the name against its own copy of
 *    PATH first).
 *  - irm_list_ipcps strcpy's 255-byte names into 255-byte fields (no NUL
 *    inside the field): we read them with strnlen.
 *  - irm_list_names fills only name and pol_lb: the security paths are
 *    uninitialised heap, never read.
 *  - irm.h declares irm_connect_ipcp/irm_disconnect_ipcp with dst and
 *    component swapped: we call them as the library defines them.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jour.h"
#include "ouroboros_abi.h"
#include "system_lib.h"

#define IRM_PROG_MAX  4095 /* a program path, bytes          */
#define IRM_ARGC_MAX  255  /* arguments of a bound program   */
#define IRM_ARG_MAX   4095 /* one argument, bytes            */
#define IRM_LIST_MAX  (1 << 20)
#define N_UNI_PARAMS  17
#define N_SEC_PATHS   6    /* server enc/key/crt, client same */

static jclass bytes_cls; /* byte[], a global reference */

/*
 * Copies a byte[] of at most max bytes without NUL into buf[max + 1];
 * empty is allowed only with allow_empty, null only with allow_null
 * (then buf is ""). Returns the length or -EINVAL.
 */
static int get_str(JNIEnv *   env,
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
        return get_str(env, arr, buf, OURO_NAME_SIZE, 0, 0);
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

        if (get_str(env, jname, name, OURO_IPCP_NAME_SIZE, 0, 0) < 0)
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

/* out[0] = int[2n] (pid, type pairs), out[1] = names, out[2] = layers. */
static jint irmListIpcps(JNIEnv *     env,
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

static int in_range(jlong v,
                    jlong lo,
                    jlong hi)
{
        return v >= lo && v <= hi;
}

/*
 * nums: addr_size, eid_size, max_ttl, routing pol, ls pol, t_recalc,
 * t_update, t_timeo, dir pol, alpha, k, t_expire, t_refresh, t_replicate,
 * peer, addr_auth, cong_avoid.
 */
static int uni_of(const jlong *       p,
                  ouro_uni_config_t * u)
{
        if (!in_range(p[0], 1, UINT8_MAX) || !in_range(p[1], 1, UINT8_MAX) ||
            !in_range(p[2], 1, UINT8_MAX) ||
            p[3] != OURO_ROUTING_LINK_STATE ||
            !in_range(p[4], OURO_LS_SIMPLE, OURO_LS_ECMP) ||
            !in_range(p[5], 1, INT32_MAX) || !in_range(p[6], 1, INT32_MAX) ||
            !in_range(p[7], 1, INT32_MAX) || p[8] != OURO_DIR_DHT ||
            !in_range(p[9], OURO_DHT_ALPHA_MIN, OURO_DHT_ALPHA_MAX) ||
            !in_range(p[10], OURO_DHT_K_MIN, OURO_DHT_K_MAX) ||
            !in_range(p[11], OURO_DHT_T_EXPIRE_MIN, OURO_DHT_T_EXPIRE_MAX) ||
            !in_range(p[12], OURO_DHT_T_REFRESH_MIN,
                      OURO_DHT_T_REFRESH_MAX) ||
            !in_range(p[13], OURO_DHT_T_REPLICATE_MIN,
                      OURO_DHT_T_REPLICATE_MAX) ||
            p[15] != OURO_ADDR_AUTH_FLAT_RANDOM ||
            !in_range(p[16], OURO_CA_NONE, OURO_CA_MB_ECN))
                return -EINVAL;

        u->dt.addr_size             = (uint8_t) p[0];
        u->dt.eid_size              = (uint8_t) p[1];
        u->dt.max_ttl               = (uint8_t) p[2];
        u->dt.routing.pol           = (uint32_t) p[3];
        u->dt.routing.ls.pol        = (uint32_t) p[4];
        u->dt.routing.ls.t_recalc   = p[5];
        u->dt.routing.ls.t_update   = p[6];
        u->dt.routing.ls.t_timeo    = p[7];
        u->dir.pol                  = (uint32_t) p[8];
        u->dir.dht.alpha            = (uint32_t) p[9];
        u->dir.dht.k                = (uint32_t) p[10];
        u->dir.dht.t_expire         = (uint32_t) p[11];
        u->dir.dht.t_refresh        = (uint32_t) p[12];
        u->dir.dht.t_replicate      = (uint32_t) p[13];
        u->dir.dht.peer             = (uint64_t) p[14];
        u->addr_auth_type           = (uint32_t) p[15];
        u->cong_avoid               = (uint32_t) p[16];

        return 0;
}

/* Copies exactly len bytes of a byte[] (an address). */
static int get_exact(JNIEnv *   env,
                     jbyteArray arr,
                     void *     buf,
                     jsize      len)
{
        if (arr == NULL || (*env)->GetArrayLength(env, arr) != len)
                return -EINVAL;

        (*env)->GetByteArrayRegion(env, arr, 0, len, (jbyte *) buf);

        return (*env)->ExceptionCheck(env) ? -EINVAL : 0;
}

/*
 * type-specific part: unicast nums[17]; udp4/6 nums[0] = port and bytes =
 * ip then dns (4 + 4 or 16 + 16, network order); eth nums[0] = ethertype
 * (DIX) and bytes = the device name.
 */
static int conf_of(JNIEnv *             env,
                   jint                 type,
                   jlongArray           jnums,
                   jbyteArray           jbytes,
                   ouro_ipcp_config_t * c)
{
        jlong   nums[N_UNI_PARAMS];
        jsize   nn = 0;
        uint8_t addr[32];

        if (jnums != NULL) {
                nn = (*env)->GetArrayLength(env, jnums);
                if (nn > N_UNI_PARAMS)
                        return -EINVAL;
                (*env)->GetLongArrayRegion(env, jnums, 0, nn, nums);
                if ((*env)->ExceptionCheck(env))
                        return -EINVAL;
        }

        switch (type) {
        case OURO_IPCP_LOCAL:
        case OURO_IPCP_BROADCAST:
                return 0;
        case OURO_IPCP_UNICAST:
                if (nn != N_UNI_PARAMS)
                        return -EINVAL;
                return uni_of(nums, &c->u.unicast);
        case OURO_IPCP_UDP4:
                if (nn != 1 || !in_range(nums[0], 1, UINT16_MAX) ||
                    get_exact(env, jbytes, addr, 8) < 0)
                        return -EINVAL;
                memcpy(&c->u.udp4.ip_addr, addr, 4);
                memcpy(&c->u.udp4.dns_addr, addr + 4, 4);
                c->u.udp4.port = (uint16_t) nums[0];
                return 0;
        case OURO_IPCP_UDP6:
                if (nn != 1 || !in_range(nums[0], 1, UINT16_MAX) ||
                    get_exact(env, jbytes, addr, 32) < 0)
                        return -EINVAL;
                memcpy(c->u.udp6.ip_addr, addr, 16);
                memcpy(c->u.udp6.dns_addr, addr + 16, 16);
                c->u.udp6.port = (uint16_t) nums[0];
                return 0;
        case OURO_IPCP_ETH_LLC:
        case OURO_IPCP_ETH_DIX:
                if (nn != 1 || !in_range(nums[0], 0, UINT16_MAX) ||
                    get_str(env, jbytes, c->u.eth.dev, OURO_DEV_NAME_SIZE,
                            0, 0) < 0)
                        return -EINVAL;
                c->u.eth.ethertype = (uint16_t) nums[0];
                return 0;
        default:
                return -EINVAL;
        }
}

static jint irmBootstrapIpcp(JNIEnv *   env,
                             jclass     cls,
                             jint       pid,
                             jint       type,
                             jbyteArray jlayer,
                             jint       hash,
                             jlongArray jnums,
                             jbyteArray jbytes)
{
        ouro_ipcp_config_t c;
        int                ret;

        (void) cls;

        if ((ret = syslib_irm()) < 0)
                return ret;

        if (pid <= 0 || hash < OURO_DIR_HASH_SHA3_224 ||
            hash > OURO_DIR_HASH_SHA3_512)
                return -EINVAL;

        memset(&c, 0, sizeof(c));

        if (get_str(env, jlayer, c.layer_info.name, OURO_LAYER_NAME_SIZE,
                    0, 0) < 0)
                return -EINVAL;

        c.layer_info.dir_hash_algo = (uint32_t) hash;
        c.type                     = (uint32_t) type;

        if (conf_of(env, type, jnums, jbytes, &c) < 0)
                return -EINVAL;

        return syslib.irm_bootstrap_ipcp(pid, &c);
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
        if (get_str(env, jprog, prog, IRM_PROG_MAX, 0, 0) < 0 ||
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

                n = get_str(env, a, argv[i], IRM_ARG_MAX, 1, 0);
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

        if (get_str(env, jprog, prog, IRM_PROG_MAX, 0, 0) < 0)
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

                n = get_str(env, p, info->sec[i / 3][i % 3],
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

/* out[0] = int[n] load-balance policies, out[1] = names. */
static jint irmListNames(JNIEnv *     env,
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
        { "EPERM",               EPERM },
        { "ENOENT",              ENOENT },
        { "EINVAL",              EINVAL },
        { "ENOTSUP",             ENOTSUP },
        { "EIRMD",               EIRMD },
        { "EIPCP",               EIPCP },
        { "ENAME",               ENAME },
        { "EVERSION",            EJOUR_VERSION },
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
        { "irmListIpcps",     "([Ljava/lang/Object;)I",  (void *) irmListIpcps },
        { "irmEnrollIpcp",    "(I[B)I",                  (void *) irmEnrollIpcp },
        { "irmBootstrapIpcp", "(II[BI[J[B)I",            (void *) irmBootstrapIpcp },
        { "irmConnectIpcp",   "(I[B[B[JZ)I",             (void *) irmConnectIpcp },
        { "irmBindProgram",   "([B[BZ[[B)I",             (void *) irmBindProgram },
        { "irmUnbindProgram", "([B[B)I",                 (void *) irmUnbindProgram },
        { "irmBindProcess",   "(I[BZ)I",                 (void *) irmBindProcess },
        { "irmCreateName",    "([BI[[B)I",               (void *) irmCreateName },
        { "irmDestroyName",   "([B)I",                   (void *) irmDestroyName },
        { "irmListNames",     "([Ljava/lang/Object;)I",  (void *) irmListNames },
        { "irmRegName",       "([BIZ)I",                 (void *) irmRegName },
};

int jour_irm_init(JNIEnv * env)
{
        jclass c;

        c = (*env)->FindClass(env, "[B");
        if (c == NULL)
                return -1;

        bytes_cls = (*env)->NewGlobalRef(env, c);
        (*env)->DeleteLocalRef(env, c);
        if (bytes_cls == NULL)
                return -1;

        return jour_register(env, "io/jouroboros/internal/Native", methods,
                             sizeof(methods) / sizeof(methods[0]));
}
