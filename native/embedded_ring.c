/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The rings of embedded_ring.h: records in and out of shared memory, and
 * the flags of the wake-up protocol. THE PLACE THAT READS THE RINGS: the
 * peer's head (as a reader), its tail (as a writer) and each record's
 * length are read here, once each, into locals, and checked against what
 * is possible before use:
 *  - head - tail (our own tail) is at most ERING_SIZE and a multiple of 8;
 *  - a record's length is at most E_MAX_SDU and the record lies within
 *    what was published; a skip (ERING_SKIP) is followed by a record
 *    within it;
 *  - our head - the peer's tail is at most ERING_SIZE and a multiple of 8.
 * Positions in the data are always our own counts modulo ERING_SIZE, so
 * even a value that passes can only point inside the ring; the payload
 * itself is copied as bytes (a peer that scribbles on it sends garbage,
 * which it could send anyway). One reader and one writer at a time per
 * flow (Java's Flow read and write locks), so r->tail and r->head each
 * belong to one thread. The peer's hints (wr_cpu, rd_cpu, wr_at) are read
 * here too: they only steer a spin or spare a look at the socket (a stamp
 * out of range is not believed, embedded_rflow.c), never an index.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <string.h>

#include "embedded.h"
#include "embedded_ring.h"
#include "errors.h"

#define LOAD(p)      __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define STORE(p, v)  __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define FENCE()      __atomic_thread_fence(__ATOMIC_SEQ_CST)

static uint64_t rec_len(uint64_t len)
{
        return ERING_HDR + ((len + 7) & ~(uint64_t) 7);
}

void ering_init(struct ering * r,
                void *         shm,
                int            tx)
{
        uint8_t *          base = shm;
        struct ering_ctl * ctl  = (struct ering_ctl *) (base + ERING_CTL_OFF);

        memset(r, 0, sizeof(*r));
        r->tx  = &ctl[tx];
        r->rx  = &ctl[1 - tx];
        r->txd = base + HS_SHM_SIZE + (size_t) tx * ERING_SIZE;
        r->rxd = base + HS_SHM_SIZE + (size_t) (1 - tx) * ERING_SIZE;
}

/* The CPU we run on, plus 1 (0: not known): a load with rseq (glibc 2.35). */
static uint32_t cpu_tag(void)
{
        int c = sched_getcpu();

        return c < 0 ? 0 : (uint32_t) c + 1;
}

/* Our CPU into a hint of ours (ering_ctl), written only when it changed. */
static void note_cpu(uint32_t * at)
{
        uint32_t c = cpu_tag();

        if (__atomic_load_n(at, __ATOMIC_RELAXED) != c)
                __atomic_store_n(at, c, __ATOMIC_RELAXED);
}

int ering_peer_here(struct ering * r,
                    int            reading)
{
        uint32_t p = __atomic_load_n(reading ? &r->rx->wr_cpu : &r->tx->rd_cpu,
                                     __ATOMIC_RELAXED);

        return p != 0 && p == cpu_tag();
}

void ering_tx_stamp(struct ering * r,
                    int64_t        now)
{
        __atomic_store_n(&r->tx->wr_at, now, __ATOMIC_RELAXED);
}

int64_t ering_rx_stamp(struct ering * r)
{
        return __atomic_load_n(&r->rx->wr_at, __ATOMIC_RELAXED);
}

/* Copies n bytes from the ring at position pos (wrapping) to dst. */
static void ring_out(const uint8_t * ring,
                     uint64_t        pos,
                     uint8_t *       dst,
                     size_t          n)
{
        size_t off   = (size_t) (pos & ERING_MASK);
        size_t first = ERING_SIZE - off;

        if (first >= n) {
                memcpy(dst, ring + off, n);
                return;
        }
        memcpy(dst, ring + off, first);
        memcpy(dst + first, ring, n - first);
}

static void ring_in(uint8_t *       ring,
                    uint64_t        pos,
                    const uint8_t * src,
                    size_t          n)
{
        size_t off   = (size_t) (pos & ERING_MASK);
        size_t first = ERING_SIZE - off;

        if (first >= n) {
                memcpy(ring + off, src, n);
                return;
        }
        memcpy(ring + off, src, first);
        memcpy(ring, src + first, n - first);
}

/* What the peer published beyond our tail: 0 and *avail, or -EJOUR_PROTO. */
static int rx_avail(struct ering * r,
                    uint64_t *     avail)
{
        uint64_t h = LOAD(&r->rx->head);
        uint64_t a = h - r->tail;

        if (a > ERING_SIZE || (a & 7) != 0)
                return -EJOUR_PROTO;

        *avail = a;

        return 0;
}

int ering_readable(struct ering * r)
{
        uint64_t a;
        int      ret = rx_avail(r, &a);

        return ret < 0 ? ret : a != 0;
}

int ering_rx_ready(struct ering * r)
{
        /* tail first: see embedded_ring.h */
        uint64_t t = __atomic_load_n(&r->rx->tail, __ATOMIC_SEQ_CST);
        uint64_t h = __atomic_load_n(&r->rx->head, __ATOMIC_SEQ_CST);

        return h != t;
}

void ering_rx_republish(struct ering * r)
{
        if (__atomic_load_n(&r->rx->tail, __ATOMIC_RELAXED) != r->tail) {
                STORE(&r->rx->tail, r->tail);
                FENCE();
        }
}

ssize_t ering_get(struct ering * r,
                  struct iovec * iov,
                  int            iovcnt,
                  int *          wake)
{
        uint64_t avail;
        uint64_t pos;
        uint32_t len;
        size_t   left;
        size_t   room = 0;
        int      i;
        int      ret;

        *wake = 0;

        ret = rx_avail(r, &avail);
        if (ret < 0)
                return ret;
        if (avail == 0)
                return -EAGAIN;
        if (avail < ERING_HDR)
                return -EJOUR_PROTO;

        len = __atomic_load_n((uint32_t *) (r->rxd + (r->tail & ERING_MASK)),
                              __ATOMIC_RELAXED);
        if (len == ERING_SKIP) {
                /* The rest of the lap, and a record after it (never alone). */
                uint64_t skip = ERING_SIZE - (r->tail & ERING_MASK);
                if (skip >= avail)
                        return -EJOUR_PROTO;
                r->tail += skip;
                avail   -= skip;
                len = __atomic_load_n((uint32_t *) r->rxd, __ATOMIC_RELAXED);
        }
        if (len > E_MAX_SDU || rec_len(len) > avail)
                return -EJOUR_PROTO;

        for (i = 0; i < iovcnt; ++i)
                room += iov[i].iov_len;
        if (room < len)
                return -EMSGSIZE;

        pos  = r->tail + ERING_HDR;
        left = len;
        for (i = 0; i < iovcnt && left > 0; ++i) {
                size_t n = iov[i].iov_len < left ? iov[i].iov_len : left;
                ring_out(r->rxd, pos, iov[i].iov_base, n);
                pos  += n;
                left -= n;
        }

        r->tail += rec_len(len);
        note_cpu(&r->rx->rd_cpu);
        STORE(&r->rx->tail, r->tail);

        /* Publish, full fence, check the flag: see embedded_ring.h. */
        FENCE();
        if (__atomic_load_n(&r->rx->wr_wait, __ATOMIC_RELAXED) != 0 &&
            __atomic_exchange_n(&r->rx->wr_wait, 0, __ATOMIC_ACQ_REL) != 0)
                *wake = 1;

        return (ssize_t) len;
}

/* Bytes in use in our tx ring: 0 and *used, or -EJOUR_PROTO. */
static int tx_used(struct ering * r,
                   uint64_t *     used,
                   uint64_t *     tail)
{
        uint64_t t = LOAD(&r->tx->tail);
        uint64_t u = r->head - t;

        if (u > ERING_SIZE || (u & 7) != 0)
                return -EJOUR_PROTO;

        *used = u;
        if (tail != NULL)
                *tail = t;

        return 0;
}

int ering_writable(struct ering * r,
                   size_t         len)
{
        uint64_t used;
        int      ret = tx_used(r, &used, NULL);

        if (ret < 0)
                return ret;

        return ERING_SIZE - used >= rec_len(len);
}

int ering_put(struct ering * r,
              const void *   buf,
              size_t         len,
              int *          wake)
{
        uint64_t used;
        uint64_t old = r->head;
        uint64_t at;
        uint64_t pos;
        uint64_t hdr = len; /* little-endian: the u32 length, 4 zeros */
        uint32_t w;
        int      ret;

        *wake = 0;

        if (len > E_MAX_SDU)
                return -EMSGSIZE;

        ret = tx_used(r, &used, NULL);
        if (ret < 0)
                return ret;
        if (ERING_SIZE - used < rec_len(len))
                return -EAGAIN;

        /*
         * A small record, into an empty ring this far into its lap: to the
         * start, behind a skip (see embedded_ring.h; it fits there, as
         * ERING_REWIND_REC < ERING_REWIND).
         */
        at = old;
        pos = old & ERING_MASK;
        if (used == 0 && pos >= ERING_REWIND &&
            rec_len(len) <= ERING_REWIND_REC) {
                __atomic_store_n((uint64_t *) (r->txd + pos),
                                 (uint64_t) ERING_SKIP, __ATOMIC_RELAXED);
                at += ERING_SIZE - pos;
        }

        __atomic_store_n((uint64_t *) (r->txd + (at & ERING_MASK)), hdr,
                         __ATOMIC_RELAXED);
        ring_in(r->txd, at + ERING_HDR, buf, len);

        r->head = at + rec_len(len);
        note_cpu(&r->tx->wr_cpu);
        STORE(&r->tx->head, r->head);

        /* Publish, full fence, check the flag: see embedded_ring.h. */
        FENCE();
        w = __atomic_load_n(&r->tx->rd_wake, __ATOMIC_RELAXED);
        if (w & ERING_EVERY)
                *wake = 1;
        else if ((w & (ERING_SLEEP | ERING_WATCH)) &&
                 LOAD(&r->tx->tail) == old)
                *wake = 1;

        return 0;
}

/*
 * Read-modify-writes, as the reader's sleep and a flow set's watch come
 * from two threads; each is a full fence too (seq_cst).
 */
void ering_rx_sleep(struct ering * r,
                    int            on)
{
        if (on)
                (void) __atomic_fetch_or(&r->rx->rd_wake, ERING_SLEEP,
                                         __ATOMIC_SEQ_CST);
        else
                (void) __atomic_fetch_and(&r->rx->rd_wake, ~ERING_SLEEP,
                                          __ATOMIC_SEQ_CST);
        FENCE();
}

void ering_rx_watch(struct ering * r,
                    uint32_t       bits)
{
        (void) __atomic_fetch_or(&r->rx->rd_wake, bits, __ATOMIC_SEQ_CST);
        FENCE();
}

void ering_tx_wait(struct ering * r)
{
        __atomic_store_n(&r->tx->wr_wait, 1, __ATOMIC_RELAXED);
        FENCE();
}
