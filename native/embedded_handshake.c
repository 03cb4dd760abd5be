/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Encoding and strict decoding of the embedded allocation handshake. The
 * decoder trusts nothing: exact lengths, known version and type, names
 * without NUL, QoS in range.
 */
#include <string.h>

#include "errors.h"
#include "embedded_handshake.h"

static const uint8_t hs_magic[4] = { 'J', 'O', 'U', 'R' };

static void put16(uint8_t * p, uint16_t v)
{
        p[0] = (uint8_t) v;
        p[1] = (uint8_t) (v >> 8);
}

static void put32(uint8_t * p, uint32_t v)
{
        put16(p, (uint16_t) v);
        put16(p + 2, (uint16_t) (v >> 16));
}

static void put64(uint8_t * p, uint64_t v)
{
        put32(p, (uint32_t) v);
        put32(p + 4, (uint32_t) (v >> 32));
}

static uint16_t get16(const uint8_t * p)
{
        return (uint16_t) (p[0] | (p[1] << 8));
}

static uint32_t get32(const uint8_t * p)
{
        return (uint32_t) get16(p) | ((uint32_t) get16(p + 2) << 16);
}

static uint64_t get64(const uint8_t * p)
{
        return (uint64_t) get32(p) | ((uint64_t) get32(p + 4) << 32);
}

static void qos_put(uint8_t * p, const struct jour_qos * qs)
{
        put32(p, qs->delay);
        put64(p + 4, qs->bandwidth);
        p[12] = qs->availability;
        put32(p + 13, qs->loss);
        put32(p + 17, qs->ber);
        p[21] = qs->in_order;
        put32(p + 22, qs->max_gap);
        put32(p + 26, qs->timeout);
}

static void qos_get(const uint8_t * p, struct jour_qos * qs)
{
        qs->delay        = get32(p);
        qs->bandwidth    = get64(p + 4);
        qs->availability = p[12];
        qs->loss         = get32(p + 13);
        qs->ber          = get32(p + 17);
        qs->in_order     = p[21];
        qs->max_gap      = get32(p + 22);
        qs->timeout      = get32(p + 26);
}

int hs_qos_valid(const struct jour_qos * qs)
{
        return qs->in_order <= 1;
}

size_t hs_req_encode(uint8_t *               buf,
                     const char *            name,
                     size_t                  len,
                     const struct jour_qos * qs)
{
        memcpy(buf, hs_magic, 4);
        buf[4] = HS_VERSION;
        buf[5] = HS_ALLOC;
        put16(buf + 6, (uint16_t) len);
        qos_put(buf + 8, qs);
        memcpy(buf + HS_REQ_FIXED, name, len);

        return HS_REQ_FIXED + len;
}

int hs_req_decode(const uint8_t *   buf,
                  size_t            n,
                  const char **     name,
                  size_t *          len,
                  struct jour_qos * qs)
{
        size_t l;

        if (n < HS_REQ_FIXED || memcmp(buf, hs_magic, 4) != 0)
                return EPROTO;

        if (buf[4] != HS_VERSION)
                return EPROTO;

        if (buf[5] != HS_ALLOC)
                return EPROTO;

        l = get16(buf + 6);
        if (l < 1 || l > 255 || n != HS_REQ_FIXED + l)
                return EPROTO;

        if (memchr(buf + HS_REQ_FIXED, '\0', l) != NULL)
                return ENAME;

        qos_get(buf + 8, qs);
        if (!hs_qos_valid(qs))
                return EINVAL;

        *name = (const char *) buf + HS_REQ_FIXED;
        *len  = l;

        return 0;
}

size_t hs_reply_encode(uint8_t *               buf,
                       int                     status,
                       const struct jour_qos * qs,
                       unsigned int            flags)
{
        static const struct jour_qos none;

        memcpy(buf, hs_magic, 4);
        buf[4] = HS_VERSION;
        buf[5] = status == 0 ? HS_OK : HS_REFUSED;
        put16(buf + 6, (uint16_t) flags);
        put32(buf + 8, (uint32_t) status);
        qos_put(buf + 12, qs != NULL ? qs : &none);

        return HS_REPLY_LEN;
}

int hs_reply_decode(const uint8_t *   buf,
                    size_t            n,
                    struct jour_qos * qs,
                    unsigned int *    flags)
{
        uint32_t status;

        *flags = 0;

        if (n != HS_REPLY_LEN || memcmp(buf, hs_magic, 4) != 0 ||
            buf[4] != HS_VERSION)
                return -EJOUR_PROTO;

        status = get32(buf + 8);

        /* Only the refusals our servers send: a peer picks no other code. */
        if (buf[5] == HS_REFUSED) {
                switch (status) {
                case ENAME:
                case EPROTO:
                case EINVAL:
                case ENOMEM:
                        return -(int) status;
                default:
                        return -EJOUR_PROTO;
                }
        }

        if (buf[5] != HS_OK || status != 0)
                return -EJOUR_PROTO;

        qos_get(buf + 12, qs);
        *flags = get16(buf + 6) & HS_F_RING;

        return hs_qos_valid(qs) ? 0 : -EJOUR_PROTO;
}
