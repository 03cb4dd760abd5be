/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The binding to the Ouroboros libraries: one symbol table for both
 * libouroboros-irm and libouroboros-dev, opened with dlopen and never
 * linked, shared by the system layer (layer_system.c, system_*.c) and the
 * IRM management API (irm.c). Also the call gate of libouroboros-dev, the
 * IRMd probe and what keeps the process's exit safe.
 *
 * Loading, in two steps:
 *  - syslib_irm(): libouroboros-irm, once, on first use. It has neither
 *    constructor nor destructor (each call is one round trip on the
 *    IRMd's socket), so it is safe to load without an IRMd: its calls
 *    then return -EIRMD. irm.c calls it without the gate.
 *  - syslib_open(): libouroboros-dev, only after the IRMd answered (see
 *    system_lib.c), for the system layer. Every call into it passes
 *    gate_in()/gate_out().
 *
 * The table is written only while it loads (syslib_irm's pthread_once,
 * the layer's init under layer.c's select lock) and read-only after.
 */
#ifndef JOUR_SYSTEM_LIB_H
#define JOUR_SYSTEM_LIB_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <sys/types.h>

#include "ouroboros_abi.h"

struct timespec;

struct syslib {
        /* libouroboros-irm (syslib_irm). */
        void *                     irm;
        int                        irm_err;
        ouro_irm_create_ipcp_t     irm_create_ipcp;
        ouro_irm_destroy_ipcp_t    irm_destroy_ipcp;
        ouro_irm_list_ipcps_t      irm_list_ipcps;
        ouro_irm_enroll_ipcp_t     irm_enroll_ipcp;
        ouro_irm_bootstrap_ipcp_t  irm_bootstrap_ipcp;
        ouro_irm_connect_ipcp_t    irm_connect_ipcp;
        ouro_irm_disconnect_ipcp_t irm_disconnect_ipcp;
        ouro_irm_bind_program_t    irm_bind_program;
        ouro_irm_unbind_program_t  irm_unbind_program;
        ouro_irm_bind_process_t    irm_bind_process;
        ouro_irm_bind_process_t    irm_unbind_process;
        ouro_irm_create_name_t     irm_create_name;
        ouro_irm_destroy_name_t    irm_destroy_name;
        ouro_irm_list_names_t      irm_list_names;
        ouro_irm_reg_name_t        irm_reg_name;
        ouro_irm_reg_name_t        irm_unreg_name;

        /* libcrypto, opened before libouroboros-dev; never called after. */
        void *                     crypto;

        /* libouroboros-dev (syslib_open): through the gate only. */
        void *                     dev;
        ouro_flow_alloc_t          flow_alloc;
        ouro_flow_accept_t         flow_accept;
        ouro_flow_join_t           flow_join;
        ouro_flow_dealloc_t        flow_dealloc;
        ouro_flow_write_t          flow_write;
        ouro_flow_read_t           flow_read;
        ouro_fccntl_t              fccntl;
        ouro_fset_create_t         fset_create;
        ouro_fset_destroy_t        fset_destroy;
        ouro_fqueue_create_t       fqueue_create;
        ouro_fqueue_destroy_t      fqueue_destroy;
        ouro_fset_add_t            fset_add;
        ouro_fset_del_t            fset_del;
        ouro_fset_zero_t           fset_zero;
        ouro_fqueue_next_t         fqueue_next;
        ouro_fqueue_type_t         fqueue_type;
        ouro_fevent_t              fevent;

        /* The IRMd's socket ("" = the default). */
        char                       socket_path[108];

        /* The gate (atomics). */
        atomic_int                 exiting;  /* nobody enters any more   */
        atomic_int                 inflight; /* threads inside the library */
};

extern struct syslib syslib;

/* 0 once libouroboros-irm is usable, else -ENOENT or -EJOUR_VERSION. */
int  syslib_irm(void);

/* Probes the IRMd at path, then loads both libraries: 0 or -code. */
int  syslib_open(const char * path);

/* Whether the IRMd is gone (a yes of the last 200 ms is trusted). */
int  irmd_gone(void);

/* Entering and leaving libouroboros-dev: gate_in() < 0 means do not. */
int  gate_in(void);
void gate_out(void);

/*
 * Calls that look at events of in-order flows (fevent, fqueue_next) are
 * made between events_in() and events_out(), which pass the gate too:
 * the deallocation of an in-order flow waits for them (system_lib.c).
 * events_in() < 0 means do not. Never taken twice by one thread.
 */
int  events_in(void);
void events_out(void);

/* At exit: nobody enters any more; then wait for those inside. */
void syslib_exit_begin(void);
void syslib_exit_wait(int status);

/* libouroboros-dev calls through the gate (-EIRMD once exiting). */
ssize_t o_read(int fd, void * buf, size_t n);
ssize_t o_write(int fd, const void * buf, size_t n);
int     o_cntl(int fd, int cmd, void * arg);
int     o_qlen(int fd, int rx);
/* Whether fd is an in-order flow (FRCT): 1, 0, or -code. */
int     o_in_order(int fd);
int     o_dealloc(int fd);
int     o_alloc(const char * name, ouro_qosspec_t * qs,
                const struct timespec * to);
int     o_accept(ouro_qosspec_t * qs, const struct timespec * to);
int     o_join(const char * name, const struct timespec * to);

#endif /* JOUR_SYSTEM_LIB_H */
