/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The shared-memory data plane of a unicast embedded flow: one
 * single-producer/single-consumer byte ring per direction, in the memfd
 * the allocating side hands over (embedded_handshake.h), laid out as:
 *
 *      0  the counters page (struct hs_shm), and at ERING_CTL_OFF the two
 *         ring headers (struct ering_ctl), direction 0 then 1
 *   4096  the data of direction 0 (client to server), ERING_SIZE bytes
 *   4096 + ERING_SIZE  the data of direction 1
 *
 * A record is a u32 length, 4 bytes of padding and the SDU, padded to 8
 * bytes, so a record's length never wraps (its SDU may). A length of
 * ERING_SKIP is no record: the rest of the lap is skipped, and the next
 * record is at the start of the ring. The writer puts one before a small
 * record (at most ERING_REWIND_REC) that it puts in an empty ring at least
 * ERING_REWIND bytes into its lap, so a flow that carries a request and
 * its answer at a time keeps to the first ERING_REWIND bytes of each ring
 * (resident memory: about 140 KiB a flow instead of 516). The price: until
 * the reader takes that record, the skipped rest of the lap counts as in
 * use, so the writer has ERING_REWIND less the record to write ahead in,
 * not ERING_SIZE; large records (a stream of 64 KiB SDUs) never skip, as
 * they would lose most of the ring to it. head and tail
 * count bytes from the start and never wrap in practice (u64); positions
 * are taken modulo ERING_SIZE of our own counts, so no value a peer writes
 * can make us touch memory outside the ring.
 *
 * Wake-ups (the eventfds of embedded_wake.c) are made only when the other
 * side may sleep:
 *  - reader: rd_wake holds SLEEP while it sleeps in a read, WATCH while a
 *    flow set watches it (EVERY for edge-triggered sets: each SDU). Before
 *    sleeping it stores the flag, makes a full fence and looks at the ring
 *    again. The writer publishes head, makes a full fence and reads
 *    rd_wake: it wakes for EVERY, or for SLEEP/WATCH when the ring was
 *    empty before its record (tail == its old head).
 *  - writer: when the ring is full it drains its space eventfd, stores
 *    wr_wait, makes a full fence and looks at the room again; the reader
 *    advances tail, makes a full fence, and if wr_wait is set clears it
 *    and wakes the writer.
 * So either side sees the other's store, and no wake-up is lost.
 *
 * Everything here is memory only: no system call, no lock. The peer can
 * write any of it at any time; every index and length read from it is
 * checked (ering_get, ering_put) and a violation is -EJOUR_PROTO.
 */
#ifndef JOUR_EMBEDDED_RING_H
#define JOUR_EMBEDDED_RING_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "embedded_handshake.h"

#define ERING_SIZE      (256 * 1024)
#define ERING_MASK      ((uint64_t) ERING_SIZE - 1)
#define ERING_HDR       8
#define ERING_SKIP      0xffffffffu
#define ERING_REWIND    (64 * 1024)
#define ERING_REWIND_REC 4096
#define ERING_CTL_OFF   1024
#define ERING_SHM_SIZE  (HS_SHM_SIZE + 2 * ERING_SIZE)
/* The most records a ring holds: empty SDUs, a header each. */
#define ERING_MAX_RECS  (ERING_SIZE / ERING_HDR)

/* rd_wake bits: why the reader wants a wake-up. */
#define ERING_SLEEP     1u
#define ERING_WATCH     2u
#define ERING_EVERY     4u

/*
 * wr_cpu and rd_cpu: the CPU (plus 1; 0: not known) each side last put or
 * took on, a hint for the other's spin (spin_wait): a peer on our own CPU
 * runs only when we yield. Garbage there costs the spin a few yields.
 * wr_at: when the writer last began a write (CLOCK_MONOTONIC, jour_now_ns),
 * which tells the other side, as a writer itself, that it was alive then
 * (embedded_rflow.c, peer_fresh); a value out of range is not believed.
 */
struct ering_ctl {
        _Alignas(64) uint64_t head;    /* writer: bytes published    */
        uint32_t              wr_cpu;  /* writer: its CPU + 1         */
        int64_t               wr_at;   /* writer: alive then (ns)     */
        _Alignas(64) uint64_t tail;    /* reader: bytes consumed     */
        uint32_t              rd_cpu;  /* reader: its CPU + 1         */
        _Alignas(64) uint32_t rd_wake; /* reader: ERING_* bits       */
        _Alignas(64) uint32_t wr_wait; /* writer: waits for room     */
};

/* The hints share their side's line: the layout is as before them. */
_Static_assert(sizeof(struct ering_ctl) == 256, "ering_ctl layout");

/* One end's view of both rings. */
struct ering {
        struct ering_ctl * rx;      /* the direction we read        */
        struct ering_ctl * tx;      /* the direction we write       */
        uint8_t *          rxd;
        uint8_t *          txd;
        uint64_t           tail;    /* rx: ours, the truth          */
        uint64_t           head;    /* tx: ours, the truth          */
};

/* Points r into the mapped shared memory; tx is our direction (0, 1). */
void ering_init(struct ering * r,
                void *         shm,
                int            tx);

/*
 * Takes one record into iov: its length, -EAGAIN when the ring is empty,
 * -EMSGSIZE when iov cannot hold it (nothing taken), -EJOUR_PROTO. *wake
 * says whether the writer waits for room and must be woken.
 */
ssize_t ering_get(struct ering * r,
                  struct iovec * iov,
                  int            iovcnt,
                  int *          wake);

/* 1 when a record waits, 0 when empty, -EJOUR_PROTO. The reader's. */
int     ering_readable(struct ering * r);

/*
 * The same look from any thread (a flow set's, embedded_fset.c): from
 * the tail the reader published, loaded before the head, so a look that
 * finds the ring empty saw the reader's last store, and a record the peer
 * puts after it sees that tail too (its full fence) and signals. 1 when a
 * record waits or the two disagree in a way only a peer's scribble makes
 * (the read then tells, and ering_rx_republish mends the tail), 0 when
 * empty.
 */
int     ering_rx_ready(struct ering * r);

/* Reader: stores our tail again where the peer wrote another over it. */
void    ering_rx_republish(struct ering * r);

/*
 * Puts one record: 0, -EAGAIN without room, -EJOUR_PROTO. *wake says
 * whether the reader must be woken.
 */
int     ering_put(struct ering * r,
                  const void *   buf,
                  size_t         len,
                  int *          wake);

/* 1 when a record of len fits, 0 when not, -EJOUR_PROTO. */
int     ering_writable(struct ering * r,
                       size_t         len);

/*
 * Whether the peer last put (reading: 1) or took (0) on the CPU we run
 * on now: then it runs only when we yield it the CPU.
 */
int     ering_peer_here(struct ering * r,
                        int            reading);

/* Our wr_at (we write, alive at now); the peer's wr_at (it wrote to us). */
void    ering_tx_stamp(struct ering * r,
                       int64_t        now);
int64_t ering_rx_stamp(struct ering * r);

/* The reader's flag: SLEEP on (1) or off (0), then a full fence. */
void    ering_rx_sleep(struct ering * r,
                       int            on);

/* Adds WATCH or EVERY to rd_wake, for good; then a full fence. */
void    ering_rx_watch(struct ering * r,
                       uint32_t       bits);

/* The writer waits for room: wr_wait set, then a full fence. */
void    ering_tx_wait(struct ering * r);

#endif /* JOUR_EMBEDDED_RING_H */
