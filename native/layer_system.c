/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The system layer: the real Ouroboros on the machine, through its
 * application library, opened with dlopen at run time and never linked.
 *
 * The library's defects are contained here, so Java sees the embedded
 * layer's semantics:
 *  - libouroboros-dev calls exit(1) from a constructor when no IRMd
 *    answers: we probe the IRMd's socket before dlopen, and before every
 *    allocation (flow_alloc prints to stdout when the IRMd is gone);
 *  - a read into a buffer smaller than the SDU drops the rest: we always
 *    read with FLOWFRNOPART into a buffer of the largest SDU (flow.c keeps
 *    what the caller's buffer cannot take);
 *  - a blocked flow_read or flow_accept is never woken by a deallocation:
 *    we block in slices of SLICE_NS and check for close between them;
 *  - flow_alloc cannot be interrupted: it runs on its own thread, and the
 *    caller waits on a condition that close also signals;
 *  - flow_dealloc can block forever (direct flow, dead peer, unread data):
 *    it runs on a detached thread;
 *  - writes to a flow whose peer is gone still report success: we check
 *    FLOWFDOWN first; broadcast SDUs over the IPCP's MTU are cut short
 *    silently: we refuse them;
 *  - fevent has no wake-up and counts nothing: the selector waits in
 *    slices, keeps its own level readiness and ignores keepalive events
 *    (a packet event with nothing queued).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "errors.h"
#include "layer.h"
#include "ouroboros_abi.h"

#define SLICE_NS     (50LL * 1000 * 1000)
#define FSET_SLICE   (10LL * 1000 * 1000)
#define JOIN_TIMEO_S 10
#define ALLOC_TIMEO_S 30

static struct {
        void *                  dev;
        void *                  irm;
        ouro_flow_alloc_t       flow_alloc;
        ouro_flow_accept_t      flow_accept;
        ouro_flow_join_t        flow_join;
        ouro_flow_dealloc_t     flow_dealloc;
        ouro_flow_write_t       flow_write;
        ouro_flow_read_t        flow_read;
        ouro_fccntl_t           fccntl;
        ouro_fset_create_t      fset_create;
        ouro_fset_destroy_t     fset_destroy;
        ouro_fqueue_create_t    fqueue_create;
        ouro_fqueue_destroy_t   fqueue_destroy;
        ouro_fset_add_t         fset_add;
        ouro_fset_del_t         fset_del;
        ouro_fqueue_next_t      fqueue_next;
        ouro_fqueue_type_t      fqueue_type;
        ouro_fevent_t           fevent;
        ouro_irm_bind_process_t irm_bind_process;
        ouro_irm_bind_process_t irm_unbind_process;
        char                    socket_path[108];
} S;

struct jour_layer jour_layer_system;

/* -------------------------------------------------------------- probe */

int jour_irmd_alive(const char * path)
{
        struct sockaddr_un sa;
        int                fd;
        int                ret;

        if (path == NULL || path[0] == '\0')
                path = OURO_IRM_SOCKET;

        if (strlen(path) >= sizeof(sa.sun_path))
                return 0;

        memset(&sa, 0, sizeof(sa));
        sa.sun_family = AF_UNIX;
        strcpy(sa.sun_path, path);

        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return 0;

        ret = connect(fd, (struct sockaddr *) &sa, sizeof(sa)) == 0;

        close(fd);

        return ret;
}

static void ts_of(int64_t ns,
                  struct timespec * ts)
{
        ts->tv_sec  = ns / 1000000000LL;
        ts->tv_nsec = ns % 1000000000LL;
}

/* --------------------------------------------------------------- init */

#define SYM(lib, name) do {                                               \
                *(void **) &S.name = dlsym(S.lib, #name);                 \
                if (S.name == NULL)                                       \
                        goto fail_sym;                                    \
        } while (0)

static int s_init(const char * cfg)
{
        const gid_t g_none = (gid_t) -1;
        struct group * gr;
        gid_t          ouro = g_none;

        memset(&S, 0, sizeof(S));
        if (cfg != NULL && strlen(cfg) < sizeof(S.socket_path))
                strcpy(S.socket_path, cfg);

        /* Without an IRMd, loading libouroboros-dev ends the process. */
        if (!jour_irmd_alive(S.socket_path))
                return -EIRMD;

        S.irm = dlopen(OURO_LIB_IRM, RTLD_NOW | RTLD_LOCAL);
        if (S.irm == NULL)
                return -ENOENT;

        S.dev = dlopen(OURO_LIB_DEV, RTLD_NOW | RTLD_LOCAL);
        if (S.dev == NULL) {
                dlclose(S.irm);
                return -ENOENT;
        }

        SYM(dev, flow_alloc);
        SYM(dev, flow_accept);
        SYM(dev, flow_join);
        SYM(dev, flow_dealloc);
        SYM(dev, flow_write);
        SYM(dev, flow_read);
        SYM(dev, fccntl);
        SYM(dev, fset_create);
        SYM(dev, fset_destroy);
        SYM(dev, fqueue_create);
        SYM(dev, fqueue_destroy);
        SYM(dev, fset_add);
        SYM(dev, fset_del);
        SYM(dev, fqueue_next);
        SYM(dev, fqueue_type);
        SYM(dev, fevent);
        SYM(irm, irm_bind_process);
        SYM(irm, irm_unbind_process);

        gr = getgrnam("ouroboros");
        if (gr != NULL)
                ouro = gr->gr_gid;

        jour_layer_system.max_sdu = (geteuid() == 0 || getegid() == ouro) ?
                OURO_MAX_SDU_PRIV : OURO_MAX_SDU_USER;

        return 0;
 fail_sym:
        /* The library is loaded (and announced); it stays, unused. */
        return -EJOUR_VERSION;
}

static void s_fini(void)
{
        /* Never dlclose libouroboros-dev: its destructor talks to the IRMd. */
}

/* -------------------------------------------------------------- flows */

struct sflow {
        int              fd;       /* Ouroboros fd, -1 until allocated */
        int              bcast;
        atomic_int       closing;
        atomic_int       down;
        atomic_int       ready;    /* selector: a packet event seen     */
        atomic_int       finished; /* Java saw the allocation end       */
        int              oflags;   /* what Ouroboros has now            */
        int64_t          rcvtimeo; /* what Ouroboros has now, -1 none   */
        int64_t          sndtimeo;
        /* allocation on its own thread */
        pthread_mutex_t  lock;
        pthread_cond_t   cond;
        int              allocating;
        int              result;
        int              owners;   /* caller and allocation thread      */
        int              evfd;     /* signalled when allocation ends    */
        ouro_qosspec_t   qs;
        struct jour_qos  asked;
        char             name[256];
};

static int sflow_fd(struct sflow * f)
{
        return __atomic_load_n(&f->fd, __ATOMIC_ACQUIRE);
}

static void qos_to_ouro(const struct jour_qos * q,
                        ouro_qosspec_t *        o)
{
        o->delay        = q->delay;
        o->bandwidth    = q->bandwidth;
        o->availability = q->availability;
        o->loss         = q->loss;
        o->ber          = q->ber;
        o->in_order     = q->in_order;
        o->max_gap      = q->max_gap;
        o->timeout      = q->timeout;
}

static void qos_from_ouro(const ouro_qosspec_t * o,
                          struct jour_qos *      q)
{
        q->delay        = o->delay;
        q->bandwidth    = o->bandwidth;
        q->availability = o->availability;
        q->loss         = o->loss;
        q->ber          = o->ber;
        q->in_order     = o->in_order;
        q->max_gap      = o->max_gap;
        q->timeout      = o->timeout;
}

static struct sflow * sflow_new(int fd)
{
        struct sflow * f = calloc(1, sizeof(*f));

        if (f == NULL)
                return NULL;

        if (pthread_mutex_init(&f->lock, NULL) != 0) {
                free(f);
                return NULL;
        }

        if (pthread_cond_init(&f->cond, NULL) != 0) {
                pthread_mutex_destroy(&f->lock);
                free(f);
                return NULL;
        }

        f->fd       = fd;
        f->evfd     = -1;
        atomic_init(&f->finished, fd >= 0);
        f->owners   = 1;
        f->rcvtimeo = -2; /* unknown: set on first use */
        f->sndtimeo = -2;
        f->oflags   = -1;

        return f;
}

static void sflow_free(struct sflow * f)
{
        if (f->evfd >= 0)
                close(f->evfd);
        pthread_cond_destroy(&f->cond);
        pthread_mutex_destroy(&f->lock);
        free(f);
}

static void * dealloc_thread(void * arg)
{
        int fd = (int) (intptr_t) arg;

        (void) S.flow_dealloc(fd);

        return NULL;
}

/* flow_dealloc may never return: the caller must not wait for it. */
static void dealloc_detached(int fd)
{
        pthread_attr_t attr;
        pthread_t      t;

        if (fd < 0)
                return;

        if (pthread_attr_init(&attr) != 0) {
                (void) S.flow_dealloc(fd);
                return;
        }

        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        if (pthread_create(&t, &attr, dealloc_thread,
                           (void *) (intptr_t) fd) != 0)
                (void) S.flow_dealloc(fd);

        pthread_attr_destroy(&attr);
}

/* Drops one owner; the last one deallocates and frees. */
static void sflow_put(struct sflow * f)
{
        int last;
        int fd;

        pthread_mutex_lock(&f->lock);
        last = --f->owners == 0;
        fd   = f->fd;
        pthread_mutex_unlock(&f->lock);

        if (!last)
                return;

        dealloc_detached(fd);
        sflow_free(f);
}

/* Our fixed Ouroboros flags: never partial reads (they drop data). */
static int set_oflags(struct sflow * f,
                      int            nonblock)
{
        int want = FLOWFRDWR | FLOWFWNOPART | FLOWFRNOPART |
                (nonblock ? FLOWFNONBLOCK : 0);

        if (f->oflags == want)
                return 0;

        if (S.fccntl(f->fd, FLOWSFLAGS, (uint32_t) want) < 0)
                return -EIPCP;

        f->oflags = want;

        return 0;
}

static int set_timeo(struct sflow * f,
                     int            cmd,
                     int64_t *      cur,
                     int64_t        ns)
{
        struct timespec ts;
        int             ret;

        if (*cur == ns)
                return 0;

        ts_of(ns, &ts);
        ret = S.fccntl(f->fd, cmd, &ts);
        if (ret < 0)
                return ret;

        *cur = ns;

        return 0;
}

static int irmd_gone(void)
{
        return !jour_irmd_alive(S.socket_path);
}

static void * alloc_thread(void * arg)
{
        struct sflow *  f = arg;
        struct timespec to = { ALLOC_TIMEO_S, 0 };
        uint64_t        one = 1;
        int             r;

        /* flow_alloc prints to stdout when the IRMd is gone: ask first. */
        r = irmd_gone() ? -EIRMD : S.flow_alloc(f->name, &f->qs, &to);

        pthread_mutex_lock(&f->lock);
        f->result     = r;
        f->allocating = 0;
        if (r >= 0)
                __atomic_store_n(&f->fd, r, __ATOMIC_RELEASE);
        pthread_cond_broadcast(&f->cond);
        pthread_mutex_unlock(&f->lock);

        if (write(f->evfd, &one, sizeof(one)) < 0) {
                /* The eventfd cannot be full at one write. */
        }

        sflow_put(f);

        return NULL;
}

static int s_flow_alloc_start(const char *            name,
                              size_t                  len,
                              const struct jour_qos * qs,
                              void **                 lf)
{
        struct sflow * f;
        pthread_t      t;
        pthread_attr_t attr;
        int            ret;

        f = sflow_new(-1);
        if (f == NULL)
                return -ENOMEM;

        f->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (f->evfd < 0) {
                ret = -errno;
                sflow_free(f);
                return ret;
        }

        memcpy(f->name, name, len);
        f->name[len]  = '\0';
        f->asked      = *qs;
        qos_to_ouro(qs, &f->qs);
        f->allocating = 1;
        f->owners     = 2;

        if (pthread_attr_init(&attr) != 0) {
                sflow_free(f);
                return -ENOMEM;
        }
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        ret = pthread_create(&t, &attr, alloc_thread, f);
        pthread_attr_destroy(&attr);
        if (ret != 0) {
                sflow_free(f);
                return -ret;
        }

        *lf = f;

        return 0;
}

static int s_flow_alloc_finish(void *            lf,
                               struct jour_qos * qs,
                               int64_t           timeo)
{
        struct sflow *  f = lf;
        int64_t         deadline = jour_deadline(timeo);
        struct timespec abs;
        int             ret;

        pthread_mutex_lock(&f->lock);
        while (f->allocating && !atomic_load(&f->closing)) {
                int64_t rem = jour_remaining(deadline);
                if (timeo == 0) {
                        pthread_mutex_unlock(&f->lock);
                        return -EAGAIN;
                }
                if (rem == 0) {
                        pthread_mutex_unlock(&f->lock);
                        return -ETIMEDOUT;
                }
                clock_gettime(CLOCK_REALTIME, &abs);
                if (rem < 0 || rem > SLICE_NS * 20)
                        rem = SLICE_NS * 20;
                abs.tv_sec  += (abs.tv_nsec + rem) / 1000000000LL;
                abs.tv_nsec  = (abs.tv_nsec + rem) % 1000000000LL;
                pthread_cond_timedwait(&f->cond, &f->lock, &abs);
        }
        ret = f->allocating ? -EJOUR_WOKEN : f->result;
        pthread_mutex_unlock(&f->lock);

        if (ret < 0)
                return ret;

        if (set_oflags(f, 0) < 0)
                return -EIPCP;

        atomic_store(&f->finished, 1);
        qos_from_ouro(&f->qs, qs);
        /* Ouroboros overwrites ber (CRC is off); report what was asked. */
        qs->ber = f->asked.ber;

        return 0;
}

static int s_flow_join(const char * layer,
                       size_t       len,
                       void **      lf)
{
        struct timespec to = { JOIN_TIMEO_S, 0 };
        struct sflow *  f;
        char            name[256];
        int             fd;

        memcpy(name, layer, len);
        name[len] = '\0';

        if (irmd_gone())
                return -EIRMD;

        fd = S.flow_join(name, &to);
        if (fd < 0)
                return fd;

        f = sflow_new(fd);
        if (f == NULL) {
                dealloc_detached(fd);
                return -ENOMEM;
        }

        f->bcast = 1;
        if (set_oflags(f, 0) < 0) {
                sflow_put(f);
                return -EIPCP;
        }

        *lf = f;

        return 0;
}

static void s_flow_wake(void * lf)
{
        struct sflow * f = lf;

        pthread_mutex_lock(&f->lock);
        atomic_store(&f->closing, 1);
        pthread_cond_broadcast(&f->cond);
        pthread_mutex_unlock(&f->lock);
}

static void s_flow_dealloc(void * lf)
{
        sflow_put(lf);
}

static int s_flow_is_down(void * lf)
{
        struct sflow * f = lf;
        uint32_t       fl = 0;

        if (atomic_load(&f->down))
                return 1;

        if (f->fd < 0)
                return 0;

        if (S.fccntl(f->fd, FLOWGFLAGS, &fl) < 0)
                return 0;

        return (fl & FLOWFDOWN) != 0;
}

static ssize_t s_flow_read(void *         lf,
                           struct iovec * iov,
                           int            iovcnt,
                           int64_t        timeo)
{
        struct sflow * f = lf;
        size_t         max = jour_layer_system.max_sdu;
        int64_t        deadline = jour_deadline(timeo);
        uint8_t *      buf;
        ssize_t        n;
        int            direct;

        if (f->fd < 0)
                return -ENOTALLOC;

        direct = iov[0].iov_len >= max || iovcnt < 2;
        buf    = direct ? iov[0].iov_base : iov[1].iov_base;

        for (;;) {
                int64_t rem = jour_remaining(deadline);

                if (atomic_load(&f->closing))
                        return -EJOUR_WOKEN;

                if (set_oflags(f, timeo == 0) < 0)
                        return -EIPCP;

                if (timeo != 0 &&
                    set_timeo(f, FLOWSRCVTIMEO, &f->rcvtimeo,
                              (rem < 0 || rem > SLICE_NS) ? SLICE_NS : rem) < 0)
                        return -EIPCP;

                n = S.flow_read(f->fd, buf, direct ? iov[0].iov_len : max);
                if (n >= 0)
                        break;

                if (n == -EAGAIN) {
                        atomic_store(&f->ready, 0);
                        return -EAGAIN;
                }

                if (n == -ETIMEDOUT) {
                        if (timeo == 0)
                                return -EAGAIN;
                        if (jour_remaining(deadline) == 0)
                                return -ETIMEDOUT;
                        continue;
                }

                if (n == -EFLOWDOWN || n == -EFLOWPEER || n == -ENOTALLOC) {
                        atomic_store(&f->down, 1);
                        return n == -EFLOWPEER ? -EFLOWPEER : -EFLOWDOWN;
                }

                return n;
        }

        if (!direct) {
                size_t head = iov[0].iov_len < (size_t) n ?
                        iov[0].iov_len : (size_t) n;
                memcpy(iov[0].iov_base, buf, head);
                memmove(buf, buf + head, (size_t) n - head);
        }

        return n;
}

static ssize_t s_flow_write(void *       lf,
                            const void * buf,
                            size_t       len,
                            int64_t      timeo)
{
        struct sflow * f = lf;
        int64_t        deadline = jour_deadline(timeo);
        ssize_t        n;

        if (f->fd < 0)
                return -ENOTALLOC;

        if (f->bcast && len > OURO_BCAST_MTU)
                return -EMSGSIZE;

        /* Writes to a gone peer report success: look first. */
        if (s_flow_is_down(f))
                return -EFLOWDOWN;

        if (len == 0)
                return 0;

        for (;;) {
                int64_t rem = jour_remaining(deadline);

                if (atomic_load(&f->closing))
                        return -EJOUR_WOKEN;

                if (set_oflags(f, timeo == 0) < 0)
                        return -EIPCP;

                if (timeo != 0 &&
                    set_timeo(f, FLOWSSNDTIMEO, &f->sndtimeo,
                              (rem < 0 || rem > SLICE_NS) ? SLICE_NS : rem) < 0)
                        return -EIPCP;

                n = S.flow_write(f->fd, buf, len);
                if (n >= 0)
                        return n;

                if (n == -ETIMEDOUT) {
                        if (timeo == 0)
                                return -EAGAIN;
                        if (jour_remaining(deadline) == 0)
                                return -ETIMEDOUT;
                        continue;
                }

                if (n == -EFLOWDOWN || n == -EFLOWPEER || n == -ENOTALLOC) {
                        atomic_store(&f->down, 1);
                        return -EFLOWDOWN;
                }

                return n;
        }
}

static int s_flow_queue_len(void * lf,
                            int    rx)
{
        struct sflow * f = lf;
        size_t         q = 0;
        int            ret;

        if (f->fd < 0)
                return 0;

        ret = S.fccntl(f->fd, rx ? FLOWGRXQLEN : FLOWGTXQLEN, &q);
        if (ret < 0)
                return ret;

        return q > INT_MAX ? INT_MAX : (int) q;
}

static int64_t s_flow_arrived(void * lf)
{
        (void) lf;

        return -ENOTSUP; /* fevent reports each packet itself */
}

static int s_flow_fd(void * lf)
{
        return ((struct sflow *) lf)->evfd;
}

static size_t s_flow_max_sdu(void * lf)
{
        return ((struct sflow *) lf)->bcast ? OURO_BCAST_MTU :
                jour_layer_system.max_sdu;
}

/* ------------------------------------------------------ accepting side */

/*
 * flow_accept takes flows for every name the process is bound to, so one
 * thread per process accepts them all and queues them; an eventfd in
 * semaphore mode counts the queue, so it is the readiness of every
 * accepting side, and close wakes a waiter through its own eventfd.
 */
struct accepted {
        struct accepted * next;
        int               fd;
        ouro_qosspec_t    qs;
};

static struct {
        pthread_mutex_t   lock;
        int               running;
        int               evfd;
        struct accepted * head;
        struct accepted * tail;
} acc = { .lock = PTHREAD_MUTEX_INITIALIZER, .evfd = -1 };

struct ssrv {
        atomic_int closing;
        int        wakefd;
        int        bound;
};

static void * accept_thread(void * arg)
{
        (void) arg;

        for (;;) {
                struct timespec   to = { 0, 200 * 1000 * 1000 };
                ouro_qosspec_t    qs;
                struct accepted * a;
                uint64_t          one = 1;
                int               fd;

                fd = S.flow_accept(&qs, &to);
                if (fd == -ETIMEDOUT)
                        continue;
                if (fd < 0) {
                        /* The IRMd is gone or refuses: do not spin. */
                        (void) poll(NULL, 0, 200);
                        continue;
                }

                a = malloc(sizeof(*a));
                if (a == NULL) {
                        dealloc_detached(fd);
                        continue;
                }
                a->next = NULL;
                a->fd   = fd;
                a->qs   = qs;

                pthread_mutex_lock(&acc.lock);
                if (acc.tail != NULL)
                        acc.tail->next = a;
                else
                        acc.head = a;
                acc.tail = a;
                pthread_mutex_unlock(&acc.lock);

                if (write(acc.evfd, &one, sizeof(one)) < 0) {
                        /* A semaphore eventfd does not fill up here. */
                }
        }

        return NULL;
}

static int acceptor_start(void)
{
        pthread_attr_t attr;
        pthread_t      t;
        int            ret = 0;

        pthread_mutex_lock(&acc.lock);
        if (!acc.running) {
                acc.evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC |
                                   EFD_SEMAPHORE);
                if (acc.evfd < 0) {
                        ret = -errno;
                } else if (pthread_attr_init(&attr) != 0) {
                        ret = -ENOMEM;
                } else {
                        pthread_attr_setdetachstate(&attr,
                                                    PTHREAD_CREATE_DETACHED);
                        ret = -pthread_create(&t, &attr, accept_thread, NULL);
                        pthread_attr_destroy(&attr);
                }
                if (ret == 0)
                        acc.running = 1;
        }
        pthread_mutex_unlock(&acc.lock);

        return ret;
}

static int s_srv_create(void ** srv)
{
        struct ssrv * s = calloc(1, sizeof(*s));

        if (s == NULL)
                return -ENOMEM;

        s->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (s->wakefd < 0) {
                free(s);
                return -errno;
        }

        *srv = s;

        return 0;
}

static int s_proc_bind(const char * name,
                       size_t       len)
{
        char n[256];
        int  ret;

        memcpy(n, name, len);
        n[len] = '\0';

        ret = S.irm_bind_process(getpid(), n);

        return ret < 0 ? (ret == -1 ? -EIRMD : ret) : 0;
}

static int s_proc_unbind(const char * name,
                         size_t       len)
{
        char n[256];
        int  ret;

        memcpy(n, name, len);
        n[len] = '\0';

        ret = S.irm_unbind_process(getpid(), n);

        return ret < 0 ? (ret == -1 ? -ENAME : ret) : 0;
}

static int s_srv_bind(void *       srv,
                      const char * name,
                      size_t       len)
{
        struct ssrv * s = srv;
        int           ret;

        ret = s_proc_bind(name, len);
        if (ret < 0)
                return ret;

        s->bound = 1;

        return acceptor_start();
}

static int s_srv_accept(void *            srv,
                        struct jour_qos * qs,
                        int64_t           timeo,
                        void **           lf)
{
        struct ssrv *     s = srv;
        int64_t           deadline = jour_deadline(timeo);
        struct accepted * a;
        struct sflow *    f;
        uint64_t          v;

        if (!s->bound)
                return -ENAME;

        for (;;) {
                struct pollfd p[2] = {
                        { .fd = acc.evfd,  .events = POLLIN, .revents = 0 },
                        { .fd = s->wakefd, .events = POLLIN, .revents = 0 },
                };

                if (atomic_load(&s->closing))
                        return -EJOUR_WOKEN;

                if (read(acc.evfd, &v, sizeof(v)) == sizeof(v))
                        break;

                if (timeo == 0)
                        return -EAGAIN;

                if (jour_remaining(deadline) == 0)
                        return -ETIMEDOUT;

                if (poll(p, 2, jour_poll_ms(jour_remaining(deadline))) < 0 &&
                    errno != EINTR)
                        return -errno;
        }

        pthread_mutex_lock(&acc.lock);
        a = acc.head;
        acc.head = a->next;
        if (acc.head == NULL)
                acc.tail = NULL;
        pthread_mutex_unlock(&acc.lock);

        f = sflow_new(a->fd);
        if (f == NULL) {
                dealloc_detached(a->fd);
                free(a);
                return -ENOMEM;
        }

        qos_from_ouro(&a->qs, qs);
        free(a);

        if (set_oflags(f, 0) < 0) {
                sflow_put(f);
                return -EIPCP;
        }

        *lf = f;

        return 0;
}

static void s_srv_wake(void * srv)
{
        struct ssrv * s = srv;
        uint64_t      one = 1;

        atomic_store(&s->closing, 1);

        if (write(s->wakefd, &one, sizeof(one)) < 0) {
                /* Already signalled. */
        }
}

static void s_srv_destroy(void * srv)
{
        struct ssrv * s = srv;

        close(s->wakefd);
        free(s);
}

static int s_srv_fd(void * srv)
{
        (void) srv;

        return acc.evfd;
}

/* ---------------------------------------------------------- flow sets */

struct smember {
        uint64_t   tag;
        void *     obj;
        int        is_srv;
        int        interest;
        int        active;
        int        in_oset;  /* its fd is in the Ouroboros set */
};

struct sfset {
        void *           set;
        void *           fq;
        pthread_mutex_t  lock;
        struct smember * m;
        size_t           n;
        size_t           cap;
        atomic_int       wake;
};

static int s_fset_create(void ** fs)
{
        struct sfset * s = calloc(1, sizeof(*s));

        if (s == NULL)
                return -ENOMEM;

        s->set = S.fset_create();
        s->fq  = S.fqueue_create();
        if (s->set == NULL || s->fq == NULL ||
            pthread_mutex_init(&s->lock, NULL) != 0) {
                if (s->set != NULL)
                        S.fset_destroy(s->set);
                if (s->fq != NULL)
                        S.fqueue_destroy(s->fq);
                free(s);
                return -ENOMEM; /* Ouroboros allows 32 sets a process */
        }

        *fs = s;

        return 0;
}

static void s_fset_destroy(void * fs)
{
        struct sfset * s = fs;

        S.fqueue_destroy(s->fq);
        S.fset_destroy(s->set);
        pthread_mutex_destroy(&s->lock);
        free(s->m);
        free(s);
}

static struct smember * member_of(struct sfset * s,
                                  void *         obj)
{
        size_t i;

        for (i = 0; i < s->n; ++i)
                if (s->m[i].active && s->m[i].obj == obj)
                        return &s->m[i];

        return NULL;
}

static int s_fset_add(void *   fs,
                      void *   obj,
                      int      is_srv,
                      uint64_t tag,
                      int      interest)
{
        struct sfset *   s = fs;
        struct smember * m;
        int              ret = 0;

        pthread_mutex_lock(&s->lock);
        if (member_of(s, obj) != NULL) {
                pthread_mutex_unlock(&s->lock);
                return -EEXIST;
        }
        if (s->n == s->cap) {
                size_t           cap = s->cap == 0 ? 16 : 2 * s->cap;
                struct smember * nm = realloc(s->m, cap * sizeof(*nm));
                if (nm == NULL) {
                        pthread_mutex_unlock(&s->lock);
                        return -ENOMEM;
                }
                s->m   = nm;
                s->cap = cap;
        }
        if (!is_srv && sflow_fd(obj) >= 0)
                ret = S.fset_add(s->set, sflow_fd(obj));
        if (ret == 0) {
                m = &s->m[s->n++];
                m->in_oset  = !is_srv && sflow_fd(obj) >= 0;
                m->tag      = tag;
                m->obj      = obj;
                m->is_srv   = is_srv;
                m->interest = interest;
                m->active   = 1;
                if (!is_srv && (interest & JOUR_IN_EDGE) == 0)
                        atomic_store(&((struct sflow *) obj)->ready, 1);
        }
        pthread_mutex_unlock(&s->lock);

        return ret < 0 ? -EINVAL : 0;
}

static int s_fset_mod(void *   fs,
                      void *   obj,
                      int      is_srv,
                      uint64_t tag,
                      int      interest)
{
        struct sfset *   s = fs;
        struct smember * m;

        (void) is_srv;

        pthread_mutex_lock(&s->lock);
        m = member_of(s, obj);
        if (m != NULL) {
                m->tag      = tag;
                m->interest = interest;
        }
        pthread_mutex_unlock(&s->lock);

        return m == NULL ? -ENOENT : 0;
}

static int s_fset_del(void * fs,
                      void * obj,
                      int    is_srv)
{
        struct sfset *   s = fs;
        struct smember * m;

        (void) is_srv;

        pthread_mutex_lock(&s->lock);
        m = member_of(s, obj);
        if (m != NULL) {
                if (m->in_oset)
                        S.fset_del(s->set, sflow_fd(obj));
                *m = s->m[--s->n];
        }
        pthread_mutex_unlock(&s->lock);

        return m == NULL ? -ENOENT : 0;
}

static int fd_readable(int fd)
{
        struct pollfd p = { .fd = fd, .events = POLLIN, .revents = 0 };

        return fd >= 0 && poll(&p, 1, 0) == 1;
}

/*
 * Level readiness of the members that are not edge-reported; a flow is
 * readable after a packet event until a read finds nothing, and a packet
 * event with nothing queued (a keepalive) is no readiness at all.
 */
static int level_events(struct sfset *      s,
                        struct jour_event * out,
                        int                 max)
{
        size_t i;
        int    k = 0;

        for (i = 0; i < s->n && k < max; ++i) {
                struct smember * m = &s->m[i];
                uint32_t         ev = 0;

                if (m->interest & JOUR_IN_EDGE)
                        continue;

                if (m->is_srv) {
                        if ((m->interest & JOUR_IN_READ) &&
                            fd_readable(acc.evfd))
                                ev |= JOUR_EV_PKT;
                } else {
                        struct sflow * f = m->obj;
                        int            fd = sflow_fd(f);
                        if (fd >= 0 && !m->in_oset &&
                            S.fset_add(s->set, fd) == 0)
                                m->in_oset = 1;
                        if (!atomic_load(&f->finished)) {
                                /* OP_CONNECT: the allocation has ended. */
                                if ((m->interest & JOUR_IN_READ) &&
                                    fd_readable(f->evfd))
                                        ev |= JOUR_EV_PKT;
                        } else {
                                if ((m->interest & JOUR_IN_READ) &&
                                    atomic_load(&f->ready)) {
                                        if (s_flow_queue_len(f, 1) > 0)
                                                ev |= JOUR_EV_PKT;
                                        else
                                                atomic_store(&f->ready, 0);
                                }
                                if (m->interest & JOUR_IN_WRITE)
                                        ev |= JOUR_EV_OUT;
                                if (s_flow_is_down(f))
                                        ev |= JOUR_EV_DOWN;
                        }
                }

                if (ev != 0) {
                        out[k].tag    = m->tag;
                        out[k].events = ev;
                        ++k;
                }
        }

        return k;
}

/* Takes the events Ouroboros queued; edge members are reported here. */
static int drain_events(struct sfset *      s,
                        struct jour_event * out,
                        int                 k,
                        int                 max)
{
        int fd;

        while (k < max && (fd = S.fqueue_next(s->fq)) >= 0) {
                int    type = S.fqueue_type(s->fq);
                size_t i;

                for (i = 0; i < s->n; ++i) {
                        struct smember * m = &s->m[i];
                        struct sflow *   f = m->obj;
                        uint32_t         ev = 0;

                        if (m->is_srv || sflow_fd(f) != fd)
                                continue;

                        if (type == OURO_FLOW_PKT) {
                                if (s_flow_queue_len(f, 1) <= 0)
                                        break; /* keepalive */
                                atomic_store(&f->ready, 1);
                                ev = JOUR_EV_PKT;
                        } else if (type & (OURO_FLOW_DOWN | OURO_FLOW_DEALLOC |
                                           OURO_FLOW_PEER)) {
                                atomic_store(&f->down, 1);
                                ev = JOUR_EV_DOWN;
                        }

                        if (ev != 0 && (m->interest & JOUR_IN_EDGE)) {
                                out[k].tag    = m->tag;
                                out[k].events = ev;
                                ++k;
                        }
                        break;
                }
        }

        return k;
}

static int s_fset_wait(void *              fs,
                       struct jour_event * out,
                       int                 max,
                       int64_t             timeo)
{
        struct sfset *  s = fs;
        int64_t         deadline = jour_deadline(timeo);
        struct timespec zero = { 0, 0 };
        int             k;

        for (;;) {
                struct timespec slice;
                int64_t         rem = jour_remaining(deadline);

                pthread_mutex_lock(&s->lock);
                (void) S.fevent(s->set, s->fq, &zero);
                k = drain_events(s, out, 0, max);
                k += level_events(s, out + k, max - k);
                pthread_mutex_unlock(&s->lock);

                if (k > 0)
                        return k;

                if (atomic_exchange(&s->wake, 0))
                        return 0;

                if (rem == 0)
                        return 0;

                /* fevent has no wake-up: wait in slices. */
                ts_of((rem < 0 || rem > FSET_SLICE) ? FSET_SLICE : rem, &slice);
                (void) S.fevent(s->set, s->fq, &slice);
        }
}

static void s_fset_wake(void * fs,
                        int    set)
{
        struct sfset * s = fs;

        atomic_store(&s->wake, set ? 1 : 0);
}

struct jour_layer jour_layer_system = {
        .name              = "system",
        .max_sdu           = OURO_MAX_SDU_USER,
        .init              = s_init,
        .fini              = s_fini,
        .flow_alloc_start  = s_flow_alloc_start,
        .flow_alloc_finish = s_flow_alloc_finish,
        .flow_join         = s_flow_join,
        .flow_wake         = s_flow_wake,
        .flow_dealloc      = s_flow_dealloc,
        .flow_read         = s_flow_read,
        .flow_write        = s_flow_write,
        .flow_queue_len    = s_flow_queue_len,
        .flow_fd           = s_flow_fd,
        .flow_is_down      = s_flow_is_down,
        .flow_arrived      = s_flow_arrived,
        .flow_max_sdu      = s_flow_max_sdu,
        .srv_create        = s_srv_create,
        .srv_bind          = s_srv_bind,
        .srv_accept        = s_srv_accept,
        .srv_wake          = s_srv_wake,
        .srv_destroy       = s_srv_destroy,
        .srv_fd            = s_srv_fd,
        .fset_create       = s_fset_create,
        .fset_destroy      = s_fset_destroy,
        .fset_add          = s_fset_add,
        .fset_mod          = s_fset_mod,
        .fset_del          = s_fset_del,
        .fset_wait         = s_fset_wait,
        .fset_wake         = s_fset_wake,
        .proc_bind         = s_proc_bind,
        .proc_unbind       = s_proc_unbind,
};
