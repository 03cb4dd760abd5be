/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * struct eflow, shared by the two files of the embedded data plane only:
 * embedded_flow.c (the flow, its socket data plane and its counters) and
 * embedded_rflow.c (the shared-memory rings of a unicast flow). The rest
 * of the layer sees a flow through embedded.h.
 *
 * Guards: fd, bcast, shm, shm_size, tx, bc, ring_on, the rings' pointers
 * and the eventfds are set before the flow is published (by allocation,
 * accept or join) and never change after; closing, down and broken are
 * atomic; rcvtimeo, rxspin, rx_dirty and the ring's tail are the reader's
 * (one reader at a time: Java's Flow.readLock; a flow set's thread looks
 * only at the tail the reader published, ering_rx_ready), txspin, live_at and the
 * ring's head the writer's (Java's Flow.writeLock); taken is written by
 * the reader only, given by the writer only, and read by anyone with
 * atomic loads. e_flow_wake runs under flow.c's jflow lock, so it takes no
 * lock and never blocks.
 */
#ifndef JOUR_EMBEDDED_FLOW_H
#define JOUR_EMBEDDED_FLOW_H

#include <stdatomic.h>
#include <stdint.h>
#include <sys/uio.h>

#include "embedded.h"
#include "embedded_handshake.h"
#include "embedded_ring.h"
#include "embedded_wake.h"
#include "spin.h"

/*
 * The eventfds of a ring flow: each end makes its own two (the client's go
 * with the request, after the memfd; the server's with the reply), in
 * this order.
 */
enum efd_slot {
        EFD_C_RX,  /* the client's: data arrived        */
        EFD_C_SP,  /* the client's: room in its tx ring */
        EFD_S_RX,  /* the server's                      */
        EFD_S_SP,
        EFD_N
};

struct eflow {
        int             fd;       /* connected, or a broadcast member */
        int             bcast;
        atomic_int      closing;  /* e_flow_wake was called           */
        atomic_int      down;     /* the peer left or broke protocol  */
        atomic_int      broken;   /* the peer broke protocol: sticky  */
        struct hs_shm * shm;      /* NULL for broadcast members       */
        size_t          shm_size; /* what is mapped at shm            */
        int             tx;       /* our direction in shm             */
        uint64_t        taken;    /* SDUs we read: our own count      */
        uint64_t        given;    /* SDUs we count as sent (ours)     */
        int64_t         rcvtimeo; /* SO_RCVTIMEO now, -2 unset        */
        struct ebcast   bc;       /* broadcast members only           */

        /* The rings (embedded_rflow.c), when both ends agreed on them. */
        int             ring_on;
        int             ring_counted; /* in ering_ends (ering_counted) */
        struct ering    ring;
        int             efd[EFD_N];    /* -1 when not open           */
        int             rx_efd;        /* ours: data arrived         */
        int             sp_efd;        /* ours: room to write        */
        int             peer_rx_efd;   /* the peer's: data arrived   */
        int             peer_sp_efd;   /* the peer's: room to write  */
        int             watch[E_RING_FDS]; /* private epoll sets over
                                              rx_efd and sp_efd, what
                                              flow sets watch (-1)   */
        struct spin     rxspin;
        struct spin     txspin;
        int             rx_dirty;      /* rx_efd may be signalled    */
        atomic_int      watched;       /* flow sets watch rx: WATCH_* */
        int64_t         live_at;       /* when the writer last looked
                                          at the socket for the end  */
};

/* The peer broke the protocol: the flow is down for good; -EJOUR_PROTO. */
int  eflow_broken(struct eflow * f);

/* Publishes one of our own counts to the peer (it validates what it reads). */
void eflow_count(uint64_t * shared,
                 uint64_t * ours,
                 int64_t    delta);

/* The ring data plane (embedded_rflow.c). */
ssize_t erflow_read(struct eflow * f,
                    struct iovec * iov,
                    int            iovcnt,
                    int64_t        timeo);
ssize_t erflow_write(struct eflow * f,
                     const void *   buf,
                     size_t         len,
                     int64_t        timeo);

#endif /* JOUR_EMBEDDED_FLOW_H */
