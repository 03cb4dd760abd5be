/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * IPCP configurations for irm_bootstrap_ipcp: the typed configuration
 * Java flattened into numbers and bytes (Irm.java) becomes an
 * ipcp_config_t, every field range-checked first, since the IPCP takes
 * what it is given.
 */
#include <stdint.h>
#include <string.h>

#include "irm.h"
#include "ouroboros_abi.h"
#include "system_lib.h"

#define N_UNI_PARAMS  17

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
                    jirm_get_str(env, jbytes, c->u.eth.dev,
                                 OURO_DEV_NAME_SIZE, 0, 0) < 0)
                        return -EINVAL;
                c->u.eth.ethertype = (uint16_t) nums[0];
                return 0;
        default:
                return -EINVAL;
        }
}

jint jirm_bootstrap_ipcp(JNIEnv *   env,
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

        if (jirm_get_str(env, jlayer, c.layer_info.name,
                         OURO_LAYER_NAME_SIZE, 0, 0) < 0)
                return -EINVAL;

        c.layer_info.dir_hash_algo = (uint32_t) hash;
        c.type                     = (uint32_t) type;

        if (conf_of(env, type, jnums, jbytes, &c) < 0)
                return -EINVAL;

        return syslib.irm_bootstrap_ipcp(pid, &c);
}
