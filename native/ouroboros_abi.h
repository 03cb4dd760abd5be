/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The few ABI facts of the Ouroboros application library (0.23) that this
 * binding relies on, declared in our own words. Nothing here is compiled
 * against Ouroboros: the system layer resolves the functions at run time.
 */
#ifndef JOUR_OUROBOROS_ABI_H
#define JOUR_OUROBOROS_ABI_H

#include <stdint.h>

/* fccntl flow flags (same values as fcntl.h access modes). */
#define FLOWFRDONLY   00000000
#define FLOWFWRONLY   00000001
#define FLOWFRDWR     00000002
#define FLOWFACCMODE  00000003
#define FLOWFDOWN     00000004
#define FLOWFRNOBLOCK 00001000
#define FLOWFWNOBLOCK 00002000
#define FLOWFRNOPART  00010000
#define FLOWFWNOPART  00020000
#define FLOWFDEFAULT  (FLOWFRDWR | FLOWFWNOPART)
#define FLOWFINVALID  (FLOWFWRONLY | FLOWFRDWR)

/* FRCT flags. */
#define FRCTFRTX      00000001
#define FRCTFRESCNTL  00000002
#define FRCTFLINGER   00000004

/* fccntl commands. */
#define FLOWSRCVTIMEO 00000001
#define FLOWGRCVTIMEO 00000002
#define FLOWSSNDTIMEO 00000003
#define FLOWGSNDTIMEO 00000004
#define FLOWGQOSSPEC  00000005
#define FLOWSFLAGS    00000006
#define FLOWGFLAGS    00000007
#define FLOWGRXQLEN   00000010
#define FLOWGTXQLEN   00000011
#define FRCTSFLAGS    00001000
#define FRCTGFLAGS    00002000

/* Ours, beside the fccntl commands: SDUs arrived so far (for fevent). */
#define JOURGRXTOTAL  0x10000
/* Ours: the largest SDU of this flow. */
#define JOURGMAXSDU   0x10001

/*
 * FRCT retransmits (FRCTFRTX) exactly when the QoS asks for a loss of 0;
 * any other loss gives FRCT without retransmission. The loss the last
 * release asked for in place of 0 on an in-order flow (read back as 0);
 * in-order flows now run without FRCT (system_alloc.c says why).
 */
#define OURO_LOSS_NORTX   UINT32_MAX
/* Our mark, in qosspec.loss, of an in-order flow allocated without FRCT. */
#define OURO_LOSS_ORDERED 0x80000000u

/* Default peer timeout of the QoS presets, ms. */
#define OURO_DEFAULT_PEER_TIMEOUT 120000

/* qosspec_t as laid out by the C compiler for the declaration order. */
typedef struct {
        uint32_t delay;
        uint64_t bandwidth;
        uint8_t  availability;
        uint32_t loss;
        uint32_t ber;
        uint8_t  in_order;
        uint32_t max_gap;
        uint32_t timeout;
} ouro_qosspec_t;

/* fqueue event types (enum fqtype). */
#define OURO_FLOW_PKT     (1 << 0)
#define OURO_FLOW_DOWN    (1 << 1)
#define OURO_FLOW_UP      (1 << 2)
#define OURO_FLOW_ALLOC   (1 << 3)
#define OURO_FLOW_DEALLOC (1 << 4)
#define OURO_FLOW_PEER    (1 << 5)

/* The IRMd's socket, and the libraries of the supported version. */
#define OURO_IRM_SOCKET   "/var/run/ouroboros/irm.sock"
#define OURO_LIB_DEV      "libouroboros-dev.so.0.23"
#define OURO_LIB_IRM      "libouroboros-irm.so.0.23"
#define OURO_VERSION      "0.23"

/*
 * OpenSSL 3's libcrypto, which libouroboros-dev 0.23 uses for encrypted
 * flows, and the one call of it we make (system_lib.c): its
 * OPENSSL_init_crypto(opts, settings), 1 on success, with the option that
 * leaves out its clean-up at exit.
 */
#define OURO_LIB_CRYPTO   "libcrypto.so.3"
#define OURO_OPENSSL_INIT_NO_ATEXIT 0x00080000ULL
typedef int (*ouro_openssl_init_crypto_t)(uint64_t, const void *);

/* A flow's ring buffer (SSM_RBUFF_SIZE 1024) holds at most 1023 SDUs. */
#define OURO_RBUFF_CAP    1023
/* Flows a process can hold (PROG_MAX_FLOWS): fds are below this. */
#define OURO_PROG_MAX_FLOWS 4096

/* Largest SDU: 1 MiB pool blocks for root and the ouroboros group, 256 KiB
 * blocks for others, less the packet buffer's head, headspace and tail. */
#define OURO_MAX_SDU_PRIV 1048260
#define OURO_MAX_SDU_USER 261828
/*
 * The shared packet pool (ssm/pool.c; block counts of a default 0.23.0
 * build, cmake/config/ssm.cmake): an SDU of n bytes takes one block of
 * the smallest size class that holds n + OURO_PK_BUFF_OVERHEAD bytes
 * (block header, headspace, tailspace), never a larger one, until the
 * reader frees it. Root and the ouroboros group share the GSPP (the
 * OURO_MAX_SDU_PRIV processes), other users have a pool each (PUP).
 */
#define OURO_PK_BUFF_OVERHEAD 316
#define OURO_POOL_CLASSES     9
#define OURO_POOL_CLASS_SIZES { 1 << 8, 1 << 9, 1 << 10, 1 << 11, 1 << 12, \
                                1 << 14, 1 << 16, 1 << 18, 1 << 20 }
#define OURO_GSPP_BLOCKS      { 1024, 768, 512, 384, 256, 128, 64, 32, 16 }
#define OURO_PUP_BLOCKS       { 128, 96, 64, 48, 32, 16, 8, 2, 0 }

/* The broadcast IPCP's MTU: longer SDUs are cut short, silently. */
#define OURO_BCAST_MTU    1400

/* struct name_info of irm_create_name (name.h), 3332 bytes. */
#define OURO_NAME_SIZE    255
#define OURO_LB_RR        0
#define OURO_LB_SPILL     1
typedef struct {
        char     name[OURO_NAME_SIZE + 1];
        uint32_t pol_lb;              /* enum pol_balance */
        char     sec[2][3][512];      /* server/client enc, key, crt paths */
} ouro_name_info_t;

/*
 * Inside libouroboros-dev 0.23 (dev.c, x86_64): the exported data symbol
 * "proc" holds "struct flow * flows" at this offset; flows[fd] is 224
 * bytes with its struct flow_info at 16: id (int) @16, n_pid @20 (this
 * process), n_1_pid @24 (the process at the other end of the ring
 * buffers: the peer on a direct flow, the IPCP otherwise). Read only, and
 * only trusted when n_pid is our pid and id > 0.
 */
#define OURO_PROC_FLOWS_OFF 32
#define OURO_FLOW_SIZE      224
#define OURO_FLOW_ID_OFF    16
#define OURO_FLOW_NPID_OFF  20
#define OURO_FLOW_N1PID_OFF 24
/*
 * And, to take back our own packets from the ring of a peer that will
 * never read them (flow_dealloc would wait forever, and the blocks would
 * stay taken in the shared pool): proc.pool (struct ssm_pool *) at 0,
 * flows[fd].tx_rb (struct ssm_rbuff *) at 96, and two functions
 * libouroboros-common exports for its users.
 */
#define OURO_PROC_POOL_OFF  0
#define OURO_FLOW_TXRB_OFF  96
typedef long    (*ouro_ssm_rbuff_read_t)(void *);
typedef int     (*ouro_ssm_pool_remove_t)(void *, unsigned long);
/*
 * And, to look at the next SDU of our own receive ring before flow_read
 * takes it (system_peek.c, o_rx_skip_reclaimed): flows[fd].rx_rb at 88;
 * struct ssm_rbuff (ssm/rbuff.c, in the process's own memory) starts
 * with ssize_t * shm_base (the ring of pool offsets) @0, size_t * head
 * @8 and size_t * tail @16, indexes below OURO_RBUFF_SIZE
 * (cmake/config/ssm.cmake); a block of the pool (struct ssm_pk_buff,
 * ssm.h) has uint16_t refcount @4 and pid_t allocator_pid @8;
 * ssm_pool_get(pool, offset), exported, gives the block while it is
 * referenced and NULL once it is free.
 */
#define OURO_FLOW_RXRB_OFF  88
#define OURO_RB_BASE_OFF    0
#define OURO_RB_HEAD_OFF    8
#define OURO_RB_TAIL_OFF    16
/*
 * And, to tell an empty receive ring from one whose peer is gone without a
 * flow_read (o_rx_idle): size_t * acl @24 in struct ssm_rbuff; the ring
 * is empty when *head == *tail; ACL_FLOWDOWN and ACL_FLOWPEER
 * (ssm_rbuff.h) mark its end.
 */
#define OURO_RB_ACL_OFF     24
#define OURO_ACL_FLOWDOWN   0002
#define OURO_ACL_FLOWPEER   0004
#define OURO_RBUFF_SIZE     1024
/*
 * And, for encrypted flows (system_flow.c: the cipher context is shared by
 * both directions): struct crypt_ctx * crypt @128 in struct flow, NULL on
 * a flow without encryption; in struct ssm_rbuff, pthread_mutex_t * mtx
 * @32 and pthread_cond_t * add @40, the robust, process-shared mutex and
 * the condition a writer broadcasts when it puts an SDU into an empty
 * ring (ssm_rbuff_write), on CLOCK_MONOTONIC (PTHREAD_COND_CLOCK,
 * cmake/config/lib.cmake), as ssm_rbuff_read_b waits on them.
 */
#define OURO_FLOW_CRYPT_OFF 128
#define OURO_RB_MTX_OFF     32
#define OURO_RB_ADD_OFF     40
#define OURO_SPB_PID_OFF    8
typedef void *  (*ouro_ssm_pool_get_t)(void *, unsigned long);

/* Function signatures of libouroboros-dev and -irm. */
struct timespec;
typedef int     (*ouro_flow_alloc_t)(const char *, ouro_qosspec_t *,
                                     const struct timespec *);
typedef int     (*ouro_flow_accept_t)(ouro_qosspec_t *,
                                      const struct timespec *);
typedef int     (*ouro_flow_join_t)(const char *, const struct timespec *);
typedef int     (*ouro_flow_dealloc_t)(int);
typedef long    (*ouro_flow_write_t)(int, const void *, unsigned long);
typedef long    (*ouro_flow_read_t)(int, void *, unsigned long);
typedef int     (*ouro_fccntl_t)(int, int, ...);
typedef void *  (*ouro_fset_create_t)(void);
typedef void    (*ouro_fset_destroy_t)(void *);
typedef void *  (*ouro_fqueue_create_t)(void);
typedef void    (*ouro_fqueue_destroy_t)(void *);
typedef int     (*ouro_fset_add_t)(void *, int);
typedef void    (*ouro_fset_del_t)(void *, int);
typedef void    (*ouro_fset_zero_t)(void *);
typedef int     (*ouro_fqueue_next_t)(void *);
typedef int     (*ouro_fqueue_type_t)(void *);
typedef long    (*ouro_fevent_t)(void *, void *, const struct timespec *);
typedef int     (*ouro_irm_bind_process_t)(int, const char *);
typedef int     (*ouro_irm_create_name_t)(ouro_name_info_t *);
typedef int     (*ouro_irm_unreg_name_t)(const char *, int);

/* ===================================================================
 * IRM management API (irm*.c): begin.
 *
 * The structs and enums that libouroboros-irm 0.23 reads and writes,
 * declared in our own words with the layout gcc gives them on x86_64
 * (measured against Ouroboros 0.23.0 on x86_64). The asserts below pin every size
 * and offset we rely on, so a different ABI fails the build, not the
 * IRMd.
 * =================================================================== */

/* enum ipcp_type: the IRMd picks IPCPs for allocation in this order. */
#define OURO_IPCP_LOCAL      0
#define OURO_IPCP_UNICAST    1
#define OURO_IPCP_BROADCAST  2
#define OURO_IPCP_ETH_LLC    3
#define OURO_IPCP_ETH_DIX    4
#define OURO_IPCP_UDP4       5
#define OURO_IPCP_UDP6       6
#define OURO_IPCP_INVALID    7

/* enum pol_dir_hash */
#define OURO_DIR_HASH_SHA3_224 0
#define OURO_DIR_HASH_SHA3_256 1
#define OURO_DIR_HASH_SHA3_384 2
#define OURO_DIR_HASH_SHA3_512 3

/* Unicast policies, each its own enum in Ouroboros. */
#define OURO_ADDR_AUTH_FLAT_RANDOM 0
#define OURO_LS_SIMPLE             0
#define OURO_LS_LFA                1
#define OURO_LS_ECMP               2
#define OURO_ROUTING_LINK_STATE    0
#define OURO_CA_NONE               0
#define OURO_CA_MB_ECN             1
#define OURO_DIR_DHT               0

/* Bounds the unicast IPCP enforces on its DHT parameters. */
#define OURO_DHT_ALPHA_MIN       1
#define OURO_DHT_ALPHA_MAX       10
#define OURO_DHT_K_MIN           1
#define OURO_DHT_K_MAX           20
#define OURO_DHT_T_EXPIRE_MIN    10
#define OURO_DHT_T_EXPIRE_MAX    86400
#define OURO_DHT_T_REFRESH_MIN   3
#define OURO_DHT_T_REFRESH_MAX   3600
#define OURO_DHT_T_REPLICATE_MIN 3
#define OURO_DHT_T_REPLICATE_MAX 3600

/* irm_bind_program option: start the program when a flow arrives. */
#define OURO_BIND_AUTO       0x01

/* String fields: IPCP, layer and device names hold 255 bytes plus NUL;
 * security paths 511 plus NUL. */
#define OURO_IPCP_NAME_SIZE  255
#define OURO_LAYER_NAME_SIZE 255
#define OURO_DEV_NAME_SIZE   255
#define OURO_NAME_PATH_SIZE  511

/* What irm_list_ipcps reports for an IPCP not yet bootstrapped. */
#define OURO_LAYER_NONE      "Not enrolled."

/* struct layer_info, 260 bytes. */
typedef struct {
        char     name[OURO_LAYER_NAME_SIZE + 1];
        uint32_t dir_hash_algo;       /* enum pol_dir_hash */
} ouro_layer_info_t;

/* struct ls_config: the times are time_t seconds. */
typedef struct {
        uint32_t pol;                 /* enum pol_link_state */
        int64_t  t_recalc;
        int64_t  t_update;
        int64_t  t_timeo;
} ouro_ls_config_t;

/* struct routing_config: a policy and a one-member union. */
typedef struct {
        uint32_t         pol;         /* enum pol_routing */
        ouro_ls_config_t ls;
} ouro_routing_config_t;

/* struct dt_config */
typedef struct {
        uint8_t               addr_size;
        uint8_t               eid_size;
        uint8_t               max_ttl;
        ouro_routing_config_t routing;
} ouro_dt_config_t;

/* struct dir_dht_config: times in seconds, peer an address. */
typedef struct {
        uint32_t alpha;
        uint32_t k;
        uint32_t t_expire;
        uint32_t t_refresh;
        uint32_t t_replicate;
        uint64_t peer;
} ouro_dht_config_t;

/* struct dir_config: a policy and a one-member union. */
typedef struct {
        uint32_t          pol;        /* enum pol_dir */
        ouro_dht_config_t dht;
} ouro_dir_config_t;

/* struct uni_config */
typedef struct {
        ouro_dt_config_t  dt;
        ouro_dir_config_t dir;
        uint32_t          addr_auth_type; /* enum pol_addr_auth  */
        uint32_t          cong_avoid;     /* enum pol_cong_avoid */
} ouro_uni_config_t;

/* struct udp4_config: addresses as struct in_addr (network order), the
 * port in host order. */
typedef struct {
        uint32_t ip_addr;
        uint32_t dns_addr;
        uint16_t port;
} ouro_udp4_config_t;

/* struct udp6_config: addresses as struct in6_addr (4-byte aligned). */
typedef struct {
        uint32_t ip_addr[4];
        uint32_t dns_addr[4];
        uint16_t port;
} ouro_udp6_config_t;

/* struct eth_config: ethertype is read for DIX only. */
typedef struct {
        char     dev[OURO_DEV_NAME_SIZE + 1];
        uint16_t ethertype;
} ouro_eth_config_t;

/* struct ipcp_config, 528 bytes: what irm_bootstrap_ipcp sends. */
typedef struct {
        ouro_layer_info_t layer_info;
        uint32_t          type;       /* enum ipcp_type */
        union {
                ouro_uni_config_t  unicast;
                ouro_udp4_config_t udp4;
                ouro_udp6_config_t udp6;
                ouro_eth_config_t  eth;
        } u;
} ouro_ipcp_config_t;

/* struct ipcp_list_info, 520 bytes, an array of which irm_list_ipcps
 * mallocs. Name and layer are 255 bytes with no room for the NUL: the
 * library strcpy's into them, so a 255-byte string is not terminated
 * inside its field (read them with strnlen). */
typedef struct {
        int32_t  pid;
        uint32_t type;                /* enum ipcp_type */
        char     name[OURO_IPCP_NAME_SIZE];
        char     layer[OURO_LAYER_NAME_SIZE];
} ouro_ipcp_list_info_t;

_Static_assert(sizeof(ouro_qosspec_t) == 40, "qosspec_t size");
_Static_assert(__builtin_offsetof(ouro_qosspec_t, bandwidth) == 8, "qosspec_t");
_Static_assert(__builtin_offsetof(ouro_qosspec_t, availability) == 16, "qosspec_t");
_Static_assert(__builtin_offsetof(ouro_qosspec_t, loss) == 20, "qosspec_t");
_Static_assert(__builtin_offsetof(ouro_qosspec_t, ber) == 24, "qosspec_t");
_Static_assert(__builtin_offsetof(ouro_qosspec_t, in_order) == 28, "qosspec_t");
_Static_assert(__builtin_offsetof(ouro_qosspec_t, max_gap) == 32, "qosspec_t");
_Static_assert(__builtin_offsetof(ouro_qosspec_t, timeout) == 36, "qosspec_t");
_Static_assert(sizeof(ouro_layer_info_t) == 260, "layer_info size");
_Static_assert(__builtin_offsetof(ouro_layer_info_t, dir_hash_algo) == 256, "layer_info");
_Static_assert(sizeof(ouro_ls_config_t) == 32, "ls_config size");
_Static_assert(__builtin_offsetof(ouro_ls_config_t, t_recalc) == 8, "ls_config");
_Static_assert(__builtin_offsetof(ouro_ls_config_t, t_update) == 16, "ls_config");
_Static_assert(__builtin_offsetof(ouro_ls_config_t, t_timeo) == 24, "ls_config");
_Static_assert(sizeof(ouro_routing_config_t) == 40, "routing_config size");
_Static_assert(__builtin_offsetof(ouro_routing_config_t, ls) == 8, "routing_config");
_Static_assert(sizeof(ouro_dt_config_t) == 48, "dt_config size");
_Static_assert(__builtin_offsetof(ouro_dt_config_t, eid_size) == 1, "dt_config");
_Static_assert(__builtin_offsetof(ouro_dt_config_t, max_ttl) == 2, "dt_config");
_Static_assert(__builtin_offsetof(ouro_dt_config_t, routing) == 8, "dt_config");
_Static_assert(sizeof(ouro_dht_config_t) == 32, "dir_dht_config size");
_Static_assert(__builtin_offsetof(ouro_dht_config_t, k) == 4, "dir_dht_config");
_Static_assert(__builtin_offsetof(ouro_dht_config_t, t_expire) == 8, "dir_dht_config");
_Static_assert(__builtin_offsetof(ouro_dht_config_t, t_refresh) == 12, "dir_dht_config");
_Static_assert(__builtin_offsetof(ouro_dht_config_t, t_replicate) == 16, "dir_dht_config");
_Static_assert(__builtin_offsetof(ouro_dht_config_t, peer) == 24, "dir_dht_config");
_Static_assert(sizeof(ouro_dir_config_t) == 40, "dir_config size");
_Static_assert(__builtin_offsetof(ouro_dir_config_t, dht) == 8, "dir_config");
_Static_assert(sizeof(ouro_uni_config_t) == 96, "uni_config size");
_Static_assert(__builtin_offsetof(ouro_uni_config_t, dir) == 48, "uni_config");
_Static_assert(__builtin_offsetof(ouro_uni_config_t, addr_auth_type) == 88, "uni_config");
_Static_assert(__builtin_offsetof(ouro_uni_config_t, cong_avoid) == 92, "uni_config");
_Static_assert(sizeof(ouro_udp4_config_t) == 12, "udp4_config size");
_Static_assert(__builtin_offsetof(ouro_udp4_config_t, dns_addr) == 4, "udp4_config");
_Static_assert(__builtin_offsetof(ouro_udp4_config_t, port) == 8, "udp4_config");
_Static_assert(sizeof(ouro_udp6_config_t) == 36, "udp6_config size");
_Static_assert(__builtin_offsetof(ouro_udp6_config_t, dns_addr) == 16, "udp6_config");
_Static_assert(__builtin_offsetof(ouro_udp6_config_t, port) == 32, "udp6_config");
_Static_assert(sizeof(ouro_eth_config_t) == 258, "eth_config size");
_Static_assert(_Alignof(ouro_eth_config_t) == 2, "eth_config align");
_Static_assert(__builtin_offsetof(ouro_eth_config_t, ethertype) == 256, "eth_config");
_Static_assert(sizeof(ouro_ipcp_config_t) == 528, "ipcp_config size");
_Static_assert(_Alignof(ouro_ipcp_config_t) == 8, "ipcp_config align");
_Static_assert(__builtin_offsetof(ouro_ipcp_config_t, type) == 260, "ipcp_config");
_Static_assert(__builtin_offsetof(ouro_ipcp_config_t, u) == 264, "ipcp_config");
_Static_assert(sizeof(ouro_ipcp_list_info_t) == 520, "ipcp_list_info size");
_Static_assert(__builtin_offsetof(ouro_ipcp_list_info_t, type) == 4, "ipcp_list_info");
_Static_assert(__builtin_offsetof(ouro_ipcp_list_info_t, name) == 8, "ipcp_list_info");
_Static_assert(__builtin_offsetof(ouro_ipcp_list_info_t, layer) == 263, "ipcp_list_info");
_Static_assert(sizeof(ouro_name_info_t) == 3332, "name_info size");
_Static_assert(_Alignof(ouro_name_info_t) == 4, "name_info align");
_Static_assert(__builtin_offsetof(ouro_name_info_t, pol_lb) == 256, "name_info");
_Static_assert(__builtin_offsetof(ouro_name_info_t, sec) == 260, "name_info");
_Static_assert(sizeof(((ouro_name_info_t *) 0)->sec[0]) == 1536, "name_sec_paths");

/*
 * libouroboros-irm's functions. enum arguments travel as int, pid_t is
 * int, ssize_t is long. NB: irm.h 0.23 declares irm_connect_ipcp and
 * irm_disconnect_ipcp as (pid, component, dst, ...), but the library
 * (and its irm tool, and the IRMd) take (pid, dst, component, ...):
 * these typedefs follow the library.
 */
typedef int  (*ouro_irm_create_ipcp_t)(const char *, int);
typedef int  (*ouro_irm_destroy_ipcp_t)(int);
typedef long (*ouro_irm_list_ipcps_t)(ouro_ipcp_list_info_t **);
typedef int  (*ouro_irm_enroll_ipcp_t)(int, const char *);
typedef int  (*ouro_irm_bootstrap_ipcp_t)(int, const ouro_ipcp_config_t *);
typedef int  (*ouro_irm_connect_ipcp_t)(int, const char * dst,
                                        const char * comp, ouro_qosspec_t);
typedef int  (*ouro_irm_disconnect_ipcp_t)(int, const char * dst,
                                           const char * comp);
typedef int  (*ouro_irm_bind_program_t)(const char *, const char *, uint16_t,
                                        int, char **);
typedef int  (*ouro_irm_unbind_program_t)(const char *, const char *);
typedef int  (*ouro_irm_destroy_name_t)(const char *);
typedef long (*ouro_irm_list_names_t)(ouro_name_info_t **);
typedef int  (*ouro_irm_reg_name_t)(const char *, int);

/* ===================================================================
 * IRM management API (irm*.c): end.
 * =================================================================== */

#endif /* JOUR_OUROBOROS_ABI_H */
