/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The embedded layer's allocation handshake, version 2 (version 1 knew no
 * skip records in the rings, embedded_ring.h). All integers are
 * little-endian, fields packed:
 *
 *  request (client -> server), one SEQPACKET message, with one fd
 *  (SCM_RIGHTS): a sealed memfd of at least HS_SHM_SIZE bytes holding the
 *  queue counters of both directions; or with three: a sealed memfd of
 *  exactly ERING_SHM_SIZE bytes, which offers the rings of embedded_ring.h
 *  too, then the client's two eventfds (enum efd_slot, embedded_flow.h).
 *     0  magic "JOUR"       4  version u8     5  type u8 (1 = alloc)
 *     6  name length u16    8  QoS (30 bytes) 38 name bytes
 *
 *  reply (server -> client), one message:
 *     0  magic "JOUR"       4  version u8     5  type u8 (2 ok, 3 refused)
 *     6  flags u16          8  status u32 (an Ouroboros error code, 0 = ok)
 *    12  QoS (30 bytes): the QoS the flow was accepted with
 *  flags: HS_F_RING, the server took the rings offered: the reply carries
 *  the server's two eventfds; without it, no fd, and the socket carries
 *  the data.
 *
 *  data on the socket, either direction, without the rings: one message
 *  per SDU, a type byte (0) first. With the rings nothing more is sent on
 *  the socket; its end is the end of the flow.
 */
#ifndef JOUR_EMBEDDED_HANDSHAKE_H
#define JOUR_EMBEDDED_HANDSHAKE_H

#include <stddef.h>
#include <stdint.h>

#include "layer.h"

#define HS_VERSION     2
#define HS_ALLOC       1
#define HS_OK          2
#define HS_REFUSED     3
#define HS_QOS_LEN     30
#define HS_REQ_FIXED   (8 + HS_QOS_LEN)
#define HS_REQ_MAX     (HS_REQ_FIXED + 255)
#define HS_REPLY_LEN   (12 + HS_QOS_LEN)
#define HS_SHM_SIZE    4096
#define HS_TIMEOUT_NS  (2LL * 1000 * 1000 * 1000)
#define HS_F_RING      1

#define MSG_DATA       0

/* The counters page shared by the two ends of a flow. */
struct hs_dir {
        _Alignas(64) uint64_t sent; /* SDUs the writer handed over  */
        _Alignas(64) uint64_t rcvd; /* SDUs the reader took         */
};

struct hs_shm {
        struct hs_dir dir[2]; /* 0: client to server, 1: back */
};

size_t hs_req_encode(uint8_t *               buf,
                     const char *            name,
                     size_t                  len,
                     const struct jour_qos * qs);

/* Returns 0, or an error code (positive) saying why it was refused. */
int hs_req_decode(const uint8_t *   buf,
                  size_t            n,
                  const char **     name,
                  size_t *          len,
                  struct jour_qos * qs);

size_t hs_reply_encode(uint8_t *               buf,
                       int                     status,
                       const struct jour_qos * qs,
                       unsigned int            flags);

/*
 * Returns 0 or a negative error code (-EJOUR_PROTO or the refusal); the
 * reply's flags in *flags (unknown ones are left out).
 */
int hs_reply_decode(const uint8_t *   buf,
                    size_t            n,
                    struct jour_qos * qs,
                    unsigned int *    flags);

int hs_qos_valid(const struct jour_qos * qs);

#endif /* JOUR_EMBEDDED_HANDSHAKE_H */
