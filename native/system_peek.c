/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Reads of libouroboros-dev's private memory, in this file only: its
 * flow table (to learn the process at the other end of a flow) and its
 * shared packet pool and rings (to take back packets a peer will never
 * read). The layout is in ouroboros_abi.h; it holds for 0.23 on x86_64.
 *
 * Checked before use: the "proc" symbol must be an object large enough
 * for the offsets we read (its ELF size), an fd must be inside the table,
 * and an entry is trusted only while the flow is allocated (id > 0) and
 * its near end is this process. Anything else reads as "unknown" and
 * the callers go on without it. Every read happens inside the gate, so
 * never under the library's destructor.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <string.h>
#include <unistd.h>

#include "system.h"

static struct {
        uint8_t **             flows;    /* &proc.flows in the library */
        void **                pool;     /* &proc.pool                 */
        ouro_ssm_rbuff_read_t  ssm_rbuff_read;
        ouro_ssm_pool_remove_t ssm_pool_remove;
} peek; /* written by peek_init (the layer's init), read-only after */

/* Whether sym is a data object of at least size bytes. */
static int object_holds(void * sym,
                        size_t size)
{
        Dl_info           info;
        const ElfW(Sym) * es = NULL;

        if (dladdr1(sym, &info, (void **) &es, RTLD_DL_SYMENT) == 0 ||
            es == NULL)
                return 0;

        return ELF64_ST_TYPE(es->st_info) == STT_OBJECT &&
                es->st_size >= size;
}

void peek_init(void * dev)
{
        uint8_t * proc;
        size_t    need;

        memset(&peek, 0, sizeof(peek));

        need = (OURO_PROC_FLOWS_OFF > OURO_PROC_POOL_OFF ?
                OURO_PROC_FLOWS_OFF : OURO_PROC_POOL_OFF) + sizeof(void *);

        /* The flow table, to learn the process at the other end. */
        proc = dlsym(dev, "proc");
        if (proc != NULL && object_holds(proc, need)) {
                peek.flows = (uint8_t **) (proc + OURO_PROC_FLOWS_OFF);
                peek.pool  = (void **) (proc + OURO_PROC_POOL_OFF);
        }
        /* Optional: to take back packets a dead peer will never read. */
        *(void **) &peek.ssm_rbuff_read  = dlsym(dev, "ssm_rbuff_read");
        *(void **) &peek.ssm_pool_remove = dlsym(dev, "ssm_pool_remove");
}

/*
 * The table entry of fd, NULL if there is none or it is not ours now.
 * Inside the gate.
 */
static const uint8_t * flow_entry(int fd)
{
        const uint8_t * fl;
        int             id;
        pid_t           n;

        if (peek.flows == NULL || fd < 0 || fd >= OURO_PROG_MAX_FLOWS)
                return NULL;

        fl = __atomic_load_n(peek.flows, __ATOMIC_ACQUIRE);
        if (fl == NULL)
                return NULL;

        fl += (size_t) fd * OURO_FLOW_SIZE;
        memcpy(&id, fl + OURO_FLOW_ID_OFF, sizeof(id));
        memcpy(&n, fl + OURO_FLOW_NPID_OFF, sizeof(n));

        return id > 0 && n == getpid() ? fl : NULL;
}

/*
 * Takes back the packets we queued for a peer that will never read them
 * (it died, or took nothing for LINGER_NS): flow_dealloc would wait for
 * them forever, and their blocks would stay taken in the shared pool
 * (the IRMd reclaims only the blocks of the process that died).
 */
void o_purge_tx(int fd)
{
        const uint8_t * fl;
        void *          rb;
        void *          pool;
        long            idx;

        if (peek.pool == NULL || peek.ssm_rbuff_read == NULL ||
            peek.ssm_pool_remove == NULL)
                return;

        if (gate_in() < 0)
                return;
        fl   = flow_entry(fd);
        pool = __atomic_load_n(peek.pool, __ATOMIC_ACQUIRE);
        if (fl != NULL && pool != NULL) {
                memcpy(&rb, fl + OURO_FLOW_TXRB_OFF, sizeof(rb));
                while (rb != NULL && (idx = peek.ssm_rbuff_read(rb)) >= 0)
                        (void) peek.ssm_pool_remove(pool, (unsigned long) idx);
        }
        gate_out();
}

/* The process at the other end of fd's rings, or -1 if unknown. */
pid_t o_peer_pid(int fd)
{
        const uint8_t * fl;
        pid_t           n1 = -1;

        if (gate_in() < 0)
                return -1;
        fl = flow_entry(fd);
        if (fl != NULL)
                memcpy(&n1, fl + OURO_FLOW_N1PID_OFF, sizeof(n1));
        gate_out();

        if (n1 <= 0 || n1 == getpid())
                return -1;

        return n1;
}
