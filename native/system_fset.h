/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Flow set internals, shared by system_fset.c (members, the Ouroboros set
 * and its pump) and system_ready.c (ready lists and waits) only.
 */
#ifndef JOUR_SYSTEM_FSET_H
#define JOUR_SYSTEM_FSET_H

#include "system.h"

enum { M_IDLE = 0, M_QUEUED = 1, M_CHECKING = 2 };

/* A member of a set. */
struct smember {
        struct sflow *   f;         /* the flow; NULL for a server      */
        void *           obj;
        /* The set's lock: */
        uint64_t         tag;
        int              interest;
        int              in_oset;   /* its fd is in the Ouroboros set   */
        int              down_seen; /* edge: DOWN reported              */
        uint64_t         seen;      /* edge, loopback: arrivals seen    */
        uint32_t         pkts;      /* edge: packet events to report    */
        int              rx_seen;   /* level: SDUs seen queued...       */
        unsigned         rx_gen;    /* ...at this f->rxgen              */
        int              keep;      /* stays on the ready list          */
        struct smember * next;      /* the set's flows or servers       */
        struct smember * prev;
        struct smember * cnext;     /* the members a wait looks at      */
        /* changes.lock: */
        int              queued;    /* M_IDLE, M_QUEUED, M_CHECKING     */
        struct smember * rnext;     /* the ready list                   */
        struct smember * rprev;
};

/* A flow set: lock guards what is not marked otherwise. */
struct sfset {
        pthread_mutex_t   lock;
        void *            set;      /* Ouroboros set, made on first use;
                                       then read by the pump unlocked  */
        void *            fq;       /* the pump's event queue           */
        struct smember ** byfd;     /* members in the set, by fd        */
        struct smember *  flows;    /* flow members                     */
        struct smember *  srvs;     /* server channel members           */
        pthread_t         pump;
        int               pumping;  /* the pump runs: join it           */
        atomic_int        closing;  /* the pump leaves                  */
        atomic_int        wake;
        struct smember *  rhead;    /* changes.lock: the ready list     */
        struct smember *  rtail;
};

/* system_fset.c. Needs s->lock: m's flow (fd) joins the Ouroboros set. */
void oset_join(struct sfset * s, struct smember * m, int fd);

/* system_ready.c; they take changes.lock. */
/* Notes that f is in s as m: 0 or -ENOMEM. Needs sets_lock. */
int  ready_note(struct sflow * f, struct sfset * s, struct smember * m);
/* The member of f in s, or NULL. */
struct smember * ready_find(struct sflow * f, struct sfset * s);
/* m leaves f's list of sets (sets_lock needed) and s's ready list. */
void ready_forget(struct sfset * s, struct smember * m);
/* The next wait on s looks at m (NULL: at its servers). */
void ready_touch(struct sfset * s, struct smember * m);

#endif /* JOUR_SYSTEM_FSET_H */
