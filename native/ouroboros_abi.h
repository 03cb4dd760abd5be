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

#endif /* JOUR_OUROBOROS_ABI_H */
