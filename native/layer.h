/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The layer table: one set of function pointers that mirrors the Ouroboros
 * application API (flow_alloc, flow_accept, flow_join, flow_dealloc,
 * flow_read, flow_write, fccntl, fset/fqueue/fevent, process binding).
 * The JNI side (flow.c, server.c, fset.c) only ever calls through it, so the
 * embedded layer and the system layer are interchangeable under Java.
 *
 * Differences from the C API, on purpose:
 *  - blocking calls take their timeout explicitly (nanoseconds, -1 = none,
 *    0 = do not block), because fccntl state is kept once, in flow.c;
 *    flow_read also takes JOUR_TRY_FIRST (below);
 *  - every blocking call can be woken by the matching *_wake function from
 *    another thread, which is how close() reaches a blocked thread;
 *  - flow_read reads one whole SDU into a scatter list (caller buffer, then
 *    overflow scratch), so flow.c implements partial reads identically for
 *    every layer.
 */
#ifndef JOUR_LAYER_H
#define JOUR_LAYER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "ouroboros_abi.h"

/* QoS in host form; field for field the Ouroboros qosspec_t. */
struct jour_qos {
        uint32_t delay;        /* ms                               */
        uint64_t bandwidth;    /* bits/s                           */
        uint8_t  availability; /* class of 9s                      */
        uint32_t loss;         /* packet loss                      */
        uint32_t ber;          /* bit errors per billion bits      */
        uint8_t  in_order;     /* in-order delivery (FRCT)         */
        uint32_t max_gap;      /* ms                               */
        uint32_t timeout;      /* peer timeout, ms, 0 = none       */
};

/*
 * flow_read's timeout for a try that does not block and that the caller
 * follows with a wait of its own on the same flow when it finds nothing (a
 * platform thread's blocking read, Flow.runIo): as 0, except that an empty
 * flow need not be looked at for its peer's end, a system call in either
 * layer (the embedded layer's peek at the socket, the system layer's look
 * at the peer's pidfd), as that wait sees the end itself.
 */
#define JOUR_TRY_FIRST   (-2)

/* Readiness bits reported by a flow set (Ouroboros fqtype values + ours). */
#define JOUR_EV_PKT      OURO_FLOW_PKT     /* something to read/accept   */
#define JOUR_EV_DOWN     OURO_FLOW_DOWN
#define JOUR_EV_UP       OURO_FLOW_UP
#define JOUR_EV_ALLOC    OURO_FLOW_ALLOC
#define JOUR_EV_DEALLOC  OURO_FLOW_DEALLOC
#define JOUR_EV_PEER     OURO_FLOW_PEER    /* peer timed out             */
#define JOUR_EV_OUT      (1 << 8)  /* ours: the flow can take an SDU now */
/*
 * Ours: a ring flow's data came, edge-triggered, for a set that asked for
 * levels (no JOUR_IN_EDGE): the caller looks at the flow (flow_rx_ready)
 * now and after each later wait until it is empty, which spares each read
 * a drain of the ring's eventfd (embedded_fset.c).
 */
#define JOUR_EV_RING     (1 << 9)

/* Interest bits for fset_add/fset_mod. */
#define JOUR_IN_READ     1
#define JOUR_IN_WRITE    2
#define JOUR_IN_EDGE     4  /* report each arrival once (fevent style) */

struct jour_event {
        uint64_t tag;
        uint32_t events;
};

struct jour_layer {
        const char * name;
        size_t       max_sdu;

        /* Once per process, by jour_layer_select; never undone. */
        int     (*init)(const char * cfg);

        /* Flows: lf is the layer's own flow object. */
        int     (*flow_alloc_start)(const char *            name,
                                    size_t                  len,
                                    const struct jour_qos * qs,
                                    void **                 lf);
        int     (*flow_alloc_finish)(void *            lf,
                                     struct jour_qos * qs,
                                     int64_t           timeo);
        int     (*flow_join)(const char * layer,
                             size_t       len,
                             void **      lf);
        void    (*flow_wake)(void * lf);
        void    (*flow_dealloc)(void * lf);
        ssize_t (*flow_read)(void *         lf,
                             struct iovec * iov,
                             int            iovcnt,
                             int64_t        timeo);
        ssize_t (*flow_write)(void *       lf,
                              const void * buf,
                              size_t       len,
                              int64_t      timeo);
        int     (*flow_queue_len)(void * lf,
                                  int    rx);
        int     (*flow_is_down)(void * lf);
        /* The largest SDU of this flow (a broadcast MTU may be smaller). */
        size_t  (*flow_max_sdu)(void * lf);
        /* SDUs that ever arrived for reading; -ENOTSUP if not counted. */
        int64_t (*flow_arrived)(void * lf);
        /*
         * For JOUR_EV_RING (NULL where a layer never reports it): 1 when
         * a read would not wait, 0 when it would, from memory alone; with
         * drain, a flow found empty also loses the wake-up that named it
         * (a system call), as after an EV_RING that brought nothing.
         */
        int     (*flow_rx_ready)(void * lf,
                                 int    drain);

        /* The accepting side: a set of names this process answers for. */
        int     (*srv_create)(void ** srv);
        int     (*srv_bind)(void *       srv,
                            const char * name,
                            size_t       len);
        int     (*srv_accept)(void *            srv,
                              struct jour_qos * qs,
                              int64_t           timeo,
                              void **           lf);
        void    (*srv_wake)(void * srv);
        void    (*srv_destroy)(void * srv);

        /*
         * Flow sets (fset/fqueue/fevent). Members are flows or accepting
         * sides (is_srv), each tagged with the caller's 64-bit tag that
         * fset_wait reports back with the JOUR_EV_* bits that hold.
         */
        int     (*fset_create)(void ** fs);
        void    (*fset_destroy)(void * fs);
        int     (*fset_add)(void *   fs,
                            void *   obj,
                            int      is_srv,
                            uint64_t tag,
                            int      interest);
        int     (*fset_mod)(void * fs,
                            void * obj,
                            int    is_srv,
                            uint64_t tag,
                            int    interest);
        int     (*fset_del)(void * fs,
                            void * obj,
                            int    is_srv);
        int     (*fset_wait)(void *              fs,
                             struct jour_event * ev,
                             int                 max,
                             int64_t             timeo);
        void    (*fset_wake)(void * fs,
                             int    set);

        /* Process binding (irm_bind_process on the system layer). */
        int     (*proc_bind)(const char * name,
                             size_t       len);
        int     (*proc_unbind)(const char * name,
                               size_t       len);
};

extern const struct jour_layer jour_layer_embedded;
extern struct jour_layer       jour_layer_system;

/* Whether an IRMd answers on its socket (NULL: the default path). */
int jour_irmd_alive(const char * path);

/* The running layer, set once by jour_layer_select(). */
const struct jour_layer * jour_layer(void);

int jour_layer_select(const char * which,
                      const char * cfg);

#endif /* JOUR_LAYER_H */
