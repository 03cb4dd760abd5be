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
#define FLOWFNONBLOCK (FLOWFRNOBLOCK | FLOWFWNOBLOCK)
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

/* A flow's ring buffer (SSM_RBUFF_SIZE 1024) holds at most 1023 SDUs. */
#define OURO_RBUFF_CAP    1023
/* Flows a process can hold (PROG_MAX_FLOWS): fds are below this. */
#define OURO_PROG_MAX_FLOWS 4096

/* Largest SDU: 1 MiB pool blocks for root and the ouroboros group, 256 KiB
 * blocks for others, less the packet buffer's head, headspace and tail. */
#define OURO_MAX_SDU_PRIV 1048260
#define OURO_MAX_SDU_USER 261828
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
typedef int     (*ouro_fqueue_next_t)(void *);
typedef int     (*ouro_fqueue_type_t)(void *);
typedef long    (*ouro_fevent_t)(void *, void *, const struct timespec *);
typedef int     (*ouro_irm_bind_process_t)(int, const char *);
typedef int     (*ouro_irm_create_name_t)(ouro_name_info_t *);
typedef int     (*ouro_irm_unreg_name_t)(const char *, int);

#endif /* JOUR_OUROBOROS_ABI_H */
