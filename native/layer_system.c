/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The system layer: the real Ouroboros on the machine, through its
 * application library, opened with dlopen at run time and never linked.
 * This file holds the layer table and its init; the rest is one
 * file per concern (see the map and the lock order in system.h).
 *
 * The defects of Ouroboros 0.23 are contained so that Java sees the
 * embedded layer's semantics. Each is explained beside the code that
 * contains it:
 *
 *  - exit(1) from a constructor without an IRMd ......... system_lib.c
 *  - the destructor frees state under threads inside .... system_lib.c
 *  - the destructor frees the RIB's FUSE channel in use . system_lib.c
 *  - flow_alloc prints to stdout without an IRMd ........ system_lib.c
 *  - a flow to a name of our own breaks the IRMd ........ system_loop.c
 *  - implicit names balance "spillover" ................. system_accept.c
 *  - flow_accept does not say which name ................ system_accept.c
 *  - flow_accept / flow_read are never woken ............ system_accept.c,
 *                                                         system_flow.c
 *  - short reads drop the rest, exact reads a fake 0 .... system_flow.c,
 *                                                         system_sdu.c
 *  - fccntl(FLOWSFLAGS) clears "peer gone" .............. system_flow.c
 *  - flow_write "succeeds" into a full ring or dead peer  system_flow.c
 *  - a flow that queues a pool class blocks all writers . system_flow.c
 *  - a flow id freed is reused before it is cleared ..... system_lib.c
 *  - flow_dealloc frees an in-order flow FRCT still reads system_lib.c,
 *                                                         system_fset.c
 *  - OpenSSL's exit handler frees it under its users .... system_lib.c
 *  - flow_alloc cannot be interrupted ................... system_alloc.c
 *  - an accept that times out fails an allocation ....... system_alloc.c
 *  - FRCT retransmission frees packets not yet read ...... system_alloc.c
 *  - flows handed to a dead acceptor; deaths unseen ..... system_peer.c
 *  - a dead peer's packet buffers freed twice ........... system_peer.c
 *  - flow_dealloc hangs and leaks pool blocks ........... system_dealloc.c
 *  - flows of a process that exited are never freed ..... system_dealloc.c
 *  - fevent has no wake-up, sleeps even with no timeout  system_fset.c
 *  - fevent counts nothing; keepalives raise events ..... system_ready.c,
 *                                                         system_fset.c
 *  - fccntl takes the process's write lock to read ...... system_ready.c
 */
#define _GNU_SOURCE
#include <grp.h>
#include <stdlib.h>
#include <unistd.h>

#include "system.h"

#define EXIT_DEALLOC_NS (500 * MS) /* flows closed just before exit */

/*
 * At exit: first give flows closed just before it a moment to be
 * deallocated with the IRMd (system_dealloc.c); then, since the library's
 * destructor frees what threads inside it use, stop entering it, wake the
 * acceptor, let those inside leave, or end the process here
 * (system_lib.c); and before the destructor frees what every flow still
 * holds, drop what the IRMd took back (system_peek.c).
 */
static void s_on_exit(int    status,
                      void * arg)
{
        (void) arg;

        dealloc_settle(EXIT_DEALLOC_NS);
        syslib_exit_begin();
        acceptor_kick();
        syslib_exit_wait(status);
        o_rx_skip_reclaimed_at_exit();
}

static int s_init(const char * cfg)
{
        const gid_t    g_none = (gid_t) -1;
        struct group * gr;
        gid_t          ouro = g_none;
        int            ret;

        ret = syslib_open(cfg);
        if (ret < 0)
                return ret;

        peek_init(syslib.dev);

        if (sdu_init() < 0)
                return -ENOMEM;
        if (alloc_init() < 0)
                goto fail_alloc;
        if (acceptor_init() < 0)
                goto fail_acceptor;
        if (fset_init() < 0)
                goto fail_fset;

        gr = getgrnam("ouroboros");
        if (gr != NULL)
                ouro = gr->gr_gid;

        jour_layer_system.max_sdu = (geteuid() == 0 || getegid() == ouro) ?
                OURO_MAX_SDU_PRIV : OURO_MAX_SDU_USER;

        (void) on_exit(s_on_exit, NULL);

        return 0;
 fail_fset:
        acceptor_fini();
 fail_acceptor:
        alloc_fini();
 fail_alloc:
        sdu_fini();
        return -ENOMEM;
}

struct jour_layer jour_layer_system = {
        .name              = "system",
        .max_sdu           = OURO_MAX_SDU_USER,
        .init              = s_init,
        .flow_alloc_start  = s_flow_alloc_start,
        .flow_alloc_finish = s_flow_alloc_finish,
        .flow_join         = s_flow_join,
        .flow_wake         = s_flow_wake,
        .flow_dealloc      = s_flow_dealloc,
        .flow_read         = s_flow_read,
        .flow_write        = s_flow_write,
        .flow_queue_len    = s_flow_queue_len,
        .flow_is_down      = s_flow_is_down,
        .flow_arrived      = s_flow_arrived,
        .flow_max_sdu      = s_flow_max_sdu,
        .srv_create        = s_srv_create,
        .srv_bind          = s_srv_bind,
        .srv_accept        = s_srv_accept,
        .srv_wake          = s_srv_wake,
        .srv_destroy       = s_srv_destroy,
        .fset_create       = s_fset_create,
        .fset_destroy      = s_fset_destroy,
        .fset_add          = s_fset_add,
        .fset_mod          = s_fset_mod,
        .fset_del          = s_fset_del,
        .fset_wait         = s_fset_wait,
        .fset_wake         = s_fset_wake,
        .proc_bind         = s_proc_bind,
        .proc_unbind       = s_proc_unbind,
};
