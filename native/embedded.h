/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The embedded layer: Ouroboros flow semantics between the processes of one
 * user on one machine, with no daemon. This header holds what crosses its
 * files, one concern each:
 *
 *   embedded_layer.c       the layer table and its init
 *   embedded_rendezvous.c  the per-user directory where names live
 *   embedded_handshake.c   the allocation handshake on the wire
 *   embedded_sock.c        AF_UNIX helpers for every part
 *   embedded_bind.c        bindings: one listener per (process, name)
 *   embedded_alloc.c       allocation: the client side of the handshake
 *   embedded_accept.c      the accepting side: listeners, half-open
 *                          handshakes, the server side, refusals
 *   embedded_flow.c        the data plane: a flow, its socket data
 *                          plane, queue counters (embedded_flow.h)
 *   embedded_ring.c        the shared-memory rings (embedded_ring.h)
 *   embedded_rflow.c       the ring data plane: start, read, write
 *   embedded_wake.c        sleep and wake-up on a ring (the spin before
 *                          it: spin.c, shared with the system layer)
 *   embedded_bcast.c       broadcast layers: join, send to all members
 *   embedded_fset.c        flow sets on epoll
 *
 * Control plane: a bound name is a SOCK_SEQPACKET listener in the
 * rendezvous directory; allocation is connect + the versioned handshake,
 * which also hands over a sealed memfd with the queue counters of the
 * flow and, when both ends take them, a ring per direction (the reply
 * then carries the eventfds of the wake-ups). Data plane: the rings
 * (embedded_ring.h), or else the connected SEQPACKET socket, one message
 * per SDU; either way the socket stays, so peer death is an immediate end
 * of file. The control plane reaches the data plane only through the
 * eflow_* calls below. Broadcast layers are folders of SOCK_DGRAM member
 * sockets, with no ring.
 *
 * Everything blocks in poll()/epoll_wait() on non-blocking sockets (a
 * flow's blocking read in recvmsg, see embedded_flow.c), so a timeout is a
 * poll argument and close() from another thread is a shutdown() (flows)
 * or an eventfd (accepting sides, flow sets) that wakes the wait.
 *
 * Locks, in the order they are taken:
 *  1. esrv.names_lock (embedded_accept.c): an accepting side's names;
 *  2. ebind_lock (embedded_bind.c): the list of bindings and each
 *     binding's next, refs and proc_refs.
 * Nothing waits for a peer while either is held. Callers hold their own
 * locks around the layer's calls, never the reverse: one reader and one
 * writer at a time per flow (Java's Flow read and write locks), one accept
 * at a time per accepting side (FlowServerChannel's accept lock), and
 * flow_wake under flow.c's jflow lock, so flow_wake takes no lock and
 * never blocks. Every other field is set before its object is published,
 * is atomic, or belongs to the one thread those callers let in; each file
 * says which.
 */
#ifndef JOUR_EMBEDDED_H
#define JOUR_EMBEDDED_H

#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "layer.h"

/* The largest SDU of the layer (its max_sdu). */
#define E_MAX_SDU  65536

/* The eventfds each end of a flow with rings hands over. */
#define E_RING_FDS 2

/* ------------------------------------ sockets (embedded_sock.c) */

/* Room for a few of the largest SDUs in a socket's send queue. */
#define E_SNDBUF   (4 * (E_MAX_SDU + 4096))

/* A non-blocking, close-on-exec AF_UNIX socket; a fd or -errno. */
int esock_new(int type);

/*
 * An epoll set with a non-blocking eventfd in it, reported with tag (a
 * wake-up for whoever waits on the set): 0, or -errno with nothing open.
 */
int esock_epoll_wake(int *    epfd,
                     int *    wakefd,
                     uint64_t tag);

/*
 * A walk of the directory dirfd from its start: its own open file
 * description (dup() would share the offset of every other walk).
 * NULL with errno set on failure.
 */
DIR * esock_opendir(int dirfd);

/*
 * Polls fd for ev until the deadline (jour_deadline): 0 when the call is
 * worth trying again (ready, or interrupted), -ETIMEDOUT, or -errno.
 */
int esock_wait(int     fd,
               short   ev,
               int64_t deadline);

/* One whole message, never blocking; passes fd pass (SCM_RIGHTS) if >= 0. */
int esock_send(int          fd,
               const void * buf,
               size_t       len,
               int          pass);

/* The same with n descriptors (at most 1 + E_RING_FDS). */
int esock_send_fds(int          fd,
                   const void * buf,
                   size_t       len,
                   const int *  fds,
                   int          n);

/* ------------------------------------ bindings (embedded_bind.c) */

/* epoll tags of an accepting side: what each registered fd stands for. */
enum etag_kind {
        TAG_WAKE = 1,
        TAG_LISTENER,
        TAG_PENDING
};

struct etag {
        int kind;
};

/*
 * One (process, name) binding: a listener shared by all who bind it, the
 * accepting sides and Ouroboros.bindProcess. Set before it is published
 * and never changed after, but for next, refs and proc_refs, which
 * ebind_lock guards.
 */
struct ebind {
        struct etag    tag;       /* TAG_LISTENER                    */
        struct ebind * next;
        char           name[256];
        size_t         len;
        int            fd;        /* the listener                    */
        int            dirfd;     /* the name's folder               */
        char           file[32];  /* the listener's file in it       */
        int            refs;      /* every holder                    */
        int            proc_refs; /* of which Ouroboros.bindProcess  */
};

/*
 * Removes from a name's folder the entries of processes that are gone
 * (killed, or ended before they could clean up): those of pids that no
 * longer exist whose socket refuses a connection.
 */
void           ebind_sweep(int dirfd);

/* The binding of a name, one reference more, made if new; NULL and *err. */
struct ebind * ebind_get(const char * name,
                         size_t       len,
                         int *        err);

/* Drops a reference; the last one closes the listener and frees b. */
void           ebind_put(struct ebind * b);

int            e_proc_bind(const char * name,
                           size_t       len);
int            e_proc_unbind(const char * name,
                             size_t       len);

/* ------------------------------------ allocation (embedded_alloc.c) */

int e_flow_alloc_start(const char *            name,
                       size_t                  len,
                       const struct jour_qos * qs,
                       void **                 lf);
int e_flow_alloc_finish(void *            lf,
                        struct jour_qos * qs,
                        int64_t           timeo);

/* ------------------------------------ accepting side (embedded_accept.c) */

int  e_srv_create(void ** srv);
int  e_srv_bind(void *       srv,
                const char * name,
                size_t       len);
int  e_srv_accept(void *            srv,
                  struct jour_qos * qs,
                  int64_t           timeo,
                  void **           lf);
void e_srv_wake(void * srv);
void e_srv_destroy(void * srv);
int  e_srv_fd(void * srv);

/* ------------------------------------ data plane (embedded_flow.c) */

/*
 * A flow is opaque outside embedded_flow.c. The control plane makes one on
 * a connected socket (its handshake channel until eflow_start; e_flow_fd
 * gives it), sets up the memory both ends share during the handshake,
 * starts it, and from then on reaches it only through the layer's flow
 * functions below. So another data plane (a shared-memory ring per
 * direction) replaces embedded_flow.c and these few calls, and nothing
 * else.
 */
struct eflow;

/* A broadcast member's place in its layer's folder (embedded_bcast.c). */
struct ebcast {
        int    dir;      /* the layer's folder, -1 until joined   */
        char   self[48]; /* our member socket's file in it        */
        char * layer;    /* the layer's name (len bytes), to take
                            its folder away with its last member  */
        size_t len;
        struct ebcast * next; /* ebcast_lock: the members of this
                                 process, for its exit            */
};

/* A flow on socket fd, which it owns from now on; NULL without memory. */
struct eflow *  eflow_new(int fd,
                          int bcast);

/* Frees a flow that never started; its socket stays open, the caller's. */
void            eflow_release(struct eflow * f);

/* Whether flow_wake was called: the flow is being closed. */
int             eflow_closing(struct eflow * f);

/* A broadcast member's place; NULL for a unicast flow. */
struct ebcast * eflow_bcast(struct eflow * f);

/*
 * The memory both ends share, set up during the handshake: the allocating
 * side creates it and returns the memfd to hand over (the caller closes
 * it); the accepting side maps the memfd it was handed (kept by the
 * caller), and refuses one it cannot trust.
 */
/* ring 0: the counters page only, no eventfds (no rings offered). */
int             eflow_shared_create(struct eflow * f,
                                    int *          efds,
                                    int            ring);
/* Whether one more flow end may take the rings (descriptors to spare). */
int             ering_affordable(void);
/* Counts f among the ends on rings, until it is freed. */
void            ering_counted(struct eflow * f);
int             eflow_shared_map(struct eflow * f,
                                 int            memfd);

/*
 * The rings: the allocating side offers them with a memfd of their size
 * (eflow_shared_map says 1) and its E_RING_FDS eventfds, made with the
 * memfd (in efds; still the flow's), so a flow set that watches a flow
 * while its allocation is pending watches them already. The accepting
 * side takes them (eflow_ring_serve: owns the peer's eventfds from then
 * on, checks them, and puts its own in fds, still the flow's, for the
 * reply); the allocating side takes the reply's (eflow_ring_join, which
 * owns them, checks them: -EJOUR_PROTO for any it cannot trust), or
 * stays on the socket (eflow_ring_none).
 */
int             eflow_ring_serve(struct eflow * f,
                                 int *          peer,
                                 int *          fds);
void            eflow_ring_none(struct eflow * f);
int             eflow_ring_join(struct eflow * f,
                                const int *    fds,
                                int            n);

/* A ring flow's eventfds for a flow set (-1 for another flow). */
int             e_flow_ring_fds(void * lf,
                                int *  rx,
                                int *  sp);

/* A flow set waits for its data (edge: each SDU wakes it). */
void            e_flow_watch(void * lf,
                             int    edge);

/*
 * 1 when a read of lf would not wait (an SDU, its end, a broken peer), 0
 * when its ring is empty or it has none; drain: an empty ring's wake-up
 * goes too (layer.h, flow_rx_ready).
 */
int             e_flow_rx_ready(void * lf,
                                int    drain);

/* The handshake is over: the socket carries SDUs from now on. */
int             eflow_start(struct eflow * f);

void            e_flow_wake(void * lf);
void            e_flow_dealloc(void * lf);
ssize_t         e_flow_read(void *         lf,
                            struct iovec * iov,
                            int            iovcnt,
                            int64_t        timeo);
ssize_t         e_flow_write(void *       lf,
                             const void * buf,
                             size_t       len,
                             int64_t      timeo);
int             e_flow_queue_len(void * lf,
                                 int    rx);
int64_t         e_flow_arrived(void * lf);
size_t          e_flow_max_sdu(void * lf);
int             e_flow_fd(void * lf);
int             e_flow_is_down(void * lf);

/* ------------------------------------ broadcast (embedded_bcast.c) */

int     e_flow_join(const char * layer,
                    size_t       len,
                    void **      lf);

/* One copy of an SDU to every other member of f's layer. */
ssize_t ebcast_send(struct eflow * f,
                    const void *   buf,
                    size_t         len,
                    int64_t        timeo);

/* Leaves the layer's folder: removes our member file, closes the folder. */
void    ebcast_leave(struct ebcast * me);

/* ------------------------------------ flow sets (embedded_fset.c) */

int  e_fset_create(void ** fs);
void e_fset_destroy(void * fs);
int  e_fset_add(void *   fs,
                void *   obj,
                int      is_srv,
                uint64_t tag,
                int      interest);
int  e_fset_mod(void *   fs,
                void *   obj,
                int      is_srv,
                uint64_t tag,
                int      interest);
int  e_fset_del(void * fs,
                void * obj,
                int    is_srv);
int  e_fset_wait(void *              fs,
                 struct jour_event * out,
                 int                 max,
                 int64_t             timeo);
void e_fset_wake(void * fs,
                 int    set);

#endif /* JOUR_EMBEDDED_H */
