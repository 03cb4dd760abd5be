/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The accepting side: the names this process is bound to, its server
 * channels, and the acceptor thread (jour-accept) that takes flows from
 * Ouroboros into one queue that every server channel takes from.
 *
 * Ouroboros 0.23 defects contained here:
 *
 *  - flow_accept does not say which name a flow was for, so flows from
 *    other processes go to any server channel of this process; loopback
 *    flows (system_loop.c) go to a channel bound to their name.
 *  - A blocked flow_accept is never woken by anything: one thread of ours
 *    calls it in slices (ACCEPT_SLICE_MS), only while a server channel
 *    has a name, and a server channel's accept waits on our queue, which
 *    close() wakes.
 *  - Names that bind_process creates implicitly balance "spillover" (all
 *    flows to the last acceptor): we create them round-robin first
 *    (proc_bind).
 *  - A flow from this process to a name it serves breaks the IRMd (see
 *    system_loop.c): acceptor_route() keeps such allocations inside the
 *    process, and keeps the acceptor out of flow_accept while one goes to
 *    a name we are bound to but do not accept on (acceptor.self), so the
 *    IRMd cannot hand it to ourselves.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "system.h"

#define ACCEPT_SLICE_MS 250         /* flow_accept of the acceptor    */

/* A name this process is bound to, with the number of its binders. */
struct bname {
        struct bname * next;
        int            refs;
        size_t         len;
        char           name[OURO_NAME_SIZE + 1];
};

/*
 * A server channel. next, nnames and names: acceptor.lock (only the
 * channel's own thread writes its names, so it may read them without).
 */
struct ssrv {
        struct ssrv * next;
        atomic_int    closing;
        int           nnames;
        struct bname  names[32]; /* refs unused here */
};

/* A flow waiting for a server channel to take it. */
struct accepted {
        struct accepted * next;
        struct sflow *    f;
};

/*
 * The acceptor's state. lock guards names (and their refs), srvs, nsrv,
 * self, running, in_accept and the queue (head, tail); cond, with lock,
 * announces a change of any of them or of a server's closing flag.
 * bindlock serialises binding with the IRMd (a name is bound once,
 * however many channels take it); it is taken before lock.
 */
static struct {
        pthread_mutex_t   lock;
        pthread_cond_t    cond;
        pthread_mutex_t   bindlock;
        struct bname *    names;     /* bound names, with their refs  */
        struct ssrv *     srvs;      /* server channels               */
        int               nsrv;      /* servers with a name           */
        int               self;      /* Ouroboros allocs to our names */
        int               running;   /* the acceptor thread started   */
        int               in_accept; /* it is inside flow_accept      */
        struct accepted * head;      /* flows no channel took yet     */
        struct accepted * tail;
} acceptor = {
        .lock     = PTHREAD_MUTEX_INITIALIZER,
        .bindlock = PTHREAD_MUTEX_INITIALIZER,
};

int acceptor_init(void)
{
        return cond_init(&acceptor.cond);
}

void acceptor_fini(void)
{
        pthread_cond_destroy(&acceptor.cond);
}

/* At exit: the acceptor sees syslib.exiting at once. */
void acceptor_kick(void)
{
        pthread_cond_broadcast(&acceptor.cond);
}

/* Needs acceptor.lock. */
static struct bname * bname_find(const char * name,
                                 size_t       len)
{
        struct bname * b;

        for (b = acceptor.names; b != NULL; b = b->next)
                if (b->len == len && memcmp(b->name, name, len) == 0)
                        return b;

        return NULL;
}

static int srv_has(const struct ssrv * s,
                   const char *        name,
                   size_t              len)
{
        int i;

        for (i = 0; i < s->nnames; ++i)
                if (s->names[i].len == len &&
                    memcmp(s->names[i].name, name, len) == 0)
                        return 1;

        return 0;
}

/* Needs acceptor.lock: whether a server channel of ours takes name. */
static int any_srv_has(const char * name,
                       size_t       len)
{
        struct ssrv * s;

        for (s = acceptor.srvs; s != NULL; s = s->next)
                if (!atomic_load(&s->closing) && srv_has(s, name, len))
                        return 1;

        return 0;
}

/* Needs acceptor.lock: unlinks an item; returns its flow. */
static struct sflow * acc_unlink(struct accepted ** pp)
{
        struct accepted * a = *pp;
        struct sflow *    f = a->f;

        *pp = a->next;
        if (acceptor.tail == a) {
                struct accepted * t;
                acceptor.tail = NULL;
                for (t = acceptor.head; t != NULL; t = t->next)
                        acceptor.tail = t;
        }
        free(a);

        return f;
}

static int acc_push(struct sflow * f)
{
        struct accepted * a = malloc(sizeof(*a));

        if (a == NULL)
                return -ENOMEM;

        a->next = NULL;
        a->f    = f;
        if (acceptor.tail != NULL)
                acceptor.tail->next = a;
        else
                acceptor.head = a;
        acceptor.tail = a;

        pthread_cond_broadcast(&acceptor.cond);

        return 0;
}

/*
 * Needs acceptor.lock. Drops what no server channel can take any more:
 * every flow once the last one is gone, loopback flows whose name nobody
 * takes or whose client gave up. Their flows go to *out.
 */
static void acc_prune(struct sflow ** out,
                      size_t *        n,
                      size_t          max)
{
        struct accepted ** pp = &acceptor.head;

        while (*pp != NULL && *n < max) {
                struct sflow * f = (*pp)->f;
                int            drop;

                drop = acceptor.nsrv == 0 ||
                        (f->kind == SF_LOOP &&
                         (loop_abandoned(f) || !any_srv_has(f->name, f->len)));
                if (drop)
                        out[(*n)++] = acc_unlink(pp);
                else
                        pp = &(*pp)->next;
        }
}

/* Ends the allocations of dropped loopback flows and frees them all. */
static void release_dropped(struct sflow ** v,
                            size_t          n)
{
        size_t i;

        for (i = 0; i < n; ++i) {
                struct sflow * f = v[i];
                if (f->kind == SF_LOOP) {
                        struct lpair * lp = f->lp;
                        pthread_mutex_lock(&lp->lock);
                        if (lp->ends[0] != NULL)
                                alloc_done(lp->ends[0], -EIPCP);
                        pthread_mutex_unlock(&lp->lock);
                }
                release_any(f);
        }
}

static void prune(void)
{
        struct sflow * v[64];
        size_t         n;

        do {
                n = 0;
                pthread_mutex_lock(&acceptor.lock);
                acc_prune(v, &n, 64);
                pthread_mutex_unlock(&acceptor.lock);
                release_dropped(v, n);
        } while (n == 64);
}

static void * accept_thread(void * arg)
{
        (void) arg;

        (void) pthread_setname_np(pthread_self(), "jour-accept");

        for (;;) {
                struct timespec to = { 0, ACCEPT_SLICE_MS * MS };
                ouro_qosspec_t  qs;
                struct sflow *  f;
                int             fd;
                int             keep;

                pthread_mutex_lock(&acceptor.lock);
                while ((acceptor.nsrv == 0 || acceptor.self > 0) &&
                       !atomic_load(&syslib.exiting)) {
                        acceptor.in_accept = 0;
                        pthread_cond_broadcast(&acceptor.cond);
                        cond_wait_ns(&acceptor.cond, &acceptor.lock, WAIT_CAP);
                }
                acceptor.in_accept = 1;
                pthread_mutex_unlock(&acceptor.lock);

                if (atomic_load(&syslib.exiting))
                        break;

                memset(&qs, 0, sizeof(qs));
                fd = o_accept(&qs, &to);
                if (fd == -ETIMEDOUT)
                        continue;
                if (fd < 0) {
                        /* The IRMd is gone or refuses: do not spin. */
                        pthread_mutex_lock(&acceptor.lock);
                        acceptor.in_accept = 0;
                        pthread_cond_broadcast(&acceptor.cond);
                        pthread_mutex_unlock(&acceptor.lock);
                        sleep_ns(200 * MS);
                        continue;
                }

                f = sflow_new(SF_OURO, fd);
                if (f == NULL) {
                        (void) o_dealloc(fd);
                        continue;
                }
                qos_from_ouro(&qs, &f->asked);
                if (o_setup(f, fd))
                        atomic_store(&f->down, 1);
                watch(f);

                pthread_mutex_lock(&acceptor.lock);
                keep = acceptor.nsrv > 0 && acc_push(f) == 0;
                pthread_mutex_unlock(&acceptor.lock);

                if (!keep)
                        o_release(f);
                else
                        notify();
        }

        pthread_mutex_lock(&acceptor.lock);
        acceptor.in_accept = 0;
        pthread_cond_broadcast(&acceptor.cond);
        pthread_mutex_unlock(&acceptor.lock);

        return NULL;
}

/* Needs acceptor.lock. */
static int acceptor_start(void)
{
        int ret = 0;

        if (!acceptor.running) {
                ret = start_detached(accept_thread, NULL);
                if (ret == 0)
                        acceptor.running = 1;
        }

        pthread_cond_broadcast(&acceptor.cond);

        return ret;
}

/*
 * Where an allocation of f (its name set) goes: ROUTE_LOOP when this
 * process accepts on that name (f is made the client end of a loopback
 * pair whose server end waits in the queue), ROUTE_SELF when we are bound
 * to it but do not accept (the acceptor stays out of flow_accept until
 * acceptor_self_done), else ROUTE_IRMD; or -ENOMEM (f is the caller's to
 * free).
 */
int acceptor_route(struct sflow *          f,
                   const struct jour_qos * qs)
{
        struct sflow * srv = NULL;
        struct lpair * lp = NULL;
        int            route = ROUTE_IRMD;

        pthread_mutex_lock(&acceptor.lock);
        if (bname_find(f->name, f->len) != NULL && acceptor.nsrv > 0) {
                /* Our own name, and we accept: never ask the IRMd. */
                lp  = lpair_new();
                srv = sflow_new(SF_LOOP, -1);
                if (lp == NULL || srv == NULL) {
                        pthread_mutex_unlock(&acceptor.lock);
                        if (srv != NULL)
                                sflow_free(srv);
                        free(lp);
                        return -ENOMEM;
                }
                f->kind     = SF_LOOP;
                f->lp       = lp;
                f->end      = 0;
                lp->ends[0] = f;
                lp->ends[1] = srv;
                srv->lp     = lp;
                srv->end    = 1;
                srv->asked  = *qs;
                srv->len    = f->len;
                memcpy(srv->name, f->name, f->len);
                if (acc_push(srv) < 0) {
                        pthread_mutex_unlock(&acceptor.lock);
                        sflow_free(srv);
                        free(lp);
                        return -ENOMEM;
                }
                route = ROUTE_LOOP;
        } else if (bname_find(f->name, f->len) != NULL) {
                /* Bound, not accepting: keep our acceptor off. */
                f->self = 1;
                acceptor.self++;
                route = ROUTE_SELF;
        }
        pthread_mutex_unlock(&acceptor.lock);

        if (route == ROUTE_LOOP)
                notify();

        return route;
}

/* Waits until our acceptor is not inside flow_accept (ROUTE_SELF). */
void acceptor_wait_idle(void)
{
        pthread_mutex_lock(&acceptor.lock);
        while (acceptor.in_accept && !atomic_load(&syslib.exiting))
                cond_wait_ns(&acceptor.cond, &acceptor.lock, WAIT_CAP);
        pthread_mutex_unlock(&acceptor.lock);
}

/* A ROUTE_SELF allocation has ended: the acceptor may go on. */
void acceptor_self_done(void)
{
        pthread_mutex_lock(&acceptor.lock);
        acceptor.self--;
        pthread_cond_broadcast(&acceptor.cond);
        pthread_mutex_unlock(&acceptor.lock);
}

/* A loopback connect nobody can take: gives up as the IRMd would. */
int loop_give_up(struct sflow * f)
{
        struct accepted ** pp;
        struct sflow *     srv = NULL;

        pthread_mutex_lock(&acceptor.lock);
        if (!any_srv_has(f->name, f->len)) {
                for (pp = &acceptor.head; *pp != NULL; pp = &(*pp)->next) {
                        if ((*pp)->f->lp == f->lp) {
                                srv = acc_unlink(pp);
                                break;
                        }
                }
        }
        pthread_mutex_unlock(&acceptor.lock);

        if (srv == NULL)
                return 0;

        l_release(srv);
        alloc_done(f, -EIPCP);

        return 1;
}

/* ------------------------------------------------------------ binding */

static int proc_bind(const char * name,
                     size_t       len)
{
        ouro_name_info_t info;
        struct bname *   b;
        int              ret = 0;

        pthread_mutex_lock(&acceptor.bindlock);

        pthread_mutex_lock(&acceptor.lock);
        b = bname_find(name, len);
        if (b != NULL)
                b->refs++;
        pthread_mutex_unlock(&acceptor.lock);

        if (b != NULL) {
                pthread_mutex_unlock(&acceptor.bindlock);
                return 0;
        }

        b = calloc(1, sizeof(*b));
        if (b == NULL) {
                pthread_mutex_unlock(&acceptor.bindlock);
                return -ENOMEM;
        }
        memcpy(b->name, name, len);
        b->len  = len;
        b->refs = 1;

        /* bind_process would create it balancing "spillover". */
        memset(&info, 0, sizeof(info));
        memcpy(info.name, name, len);
        info.pol_lb = OURO_LB_RR;
        (void) syslib.irm_create_name(&info);

        ret = syslib.irm_bind_process(getpid(), b->name);
        if (ret < 0) {
                free(b);
                pthread_mutex_unlock(&acceptor.bindlock);
                return ret == -1 ? -EIRMD : ret;
        }

        pthread_mutex_lock(&acceptor.lock);
        b->next = acceptor.names;
        acceptor.names = b;
        pthread_mutex_unlock(&acceptor.lock);

        pthread_mutex_unlock(&acceptor.bindlock);

        return 0;
}

static int proc_unbind(const char * name,
                       size_t       len)
{
        struct bname ** pp;
        struct bname *  b = NULL;
        char            n[OURO_NAME_SIZE + 1];
        int             ret = 0;

        pthread_mutex_lock(&acceptor.bindlock);

        pthread_mutex_lock(&acceptor.lock);
        for (pp = &acceptor.names; *pp != NULL; pp = &(*pp)->next) {
                if ((*pp)->len == len && memcmp((*pp)->name, name, len) == 0) {
                        b = *pp;
                        if (--b->refs == 0)
                                *pp = b->next;
                        break;
                }
        }
        pthread_mutex_unlock(&acceptor.lock);

        if (b == NULL || b->refs == 0) {
                memcpy(n, name, len);
                n[len] = '\0';
                ret = syslib.irm_unbind_process(getpid(), n);
                if (ret == -1)
                        ret = -ENAME;
                if (b != NULL)
                        ret = 0; /* it was ours */
                free(b);
        }

        pthread_mutex_unlock(&acceptor.bindlock);

        prune();

        return ret < 0 ? ret : 0;
}

int s_proc_bind(const char * name,
                size_t       len)
{
        return proc_bind(name, len);
}

int s_proc_unbind(const char * name,
                  size_t       len)
{
        return proc_unbind(name, len);
}

/* ---------------------------------------------------- server channels */

int s_srv_create(void ** srv)
{
        struct ssrv * s = calloc(1, sizeof(*s));

        if (s == NULL)
                return -ENOMEM;

        pthread_mutex_lock(&acceptor.lock);
        s->next = acceptor.srvs;
        acceptor.srvs  = s;
        pthread_mutex_unlock(&acceptor.lock);

        *srv = s;

        return 0;
}

int s_srv_bind(void *       srv,
               const char * name,
               size_t       len)
{
        struct ssrv * s = srv;
        int           ret;

        pthread_mutex_lock(&acceptor.lock);
        ret = srv_has(s, name, len);
        pthread_mutex_unlock(&acceptor.lock);
        if (ret)
                return 0;

        if (s->nnames == (int) (sizeof(s->names) / sizeof(s->names[0])))
                return -ENOSPC;

        ret = proc_bind(name, len);
        if (ret < 0)
                return ret;

        pthread_mutex_lock(&acceptor.lock);
        memcpy(s->names[s->nnames].name, name, len);
        s->names[s->nnames].len = len;
        if (s->nnames++ == 0)
                acceptor.nsrv++;
        ret = acceptor_start();
        pthread_mutex_unlock(&acceptor.lock);

        return ret;
}

int s_srv_accept(void *            srv,
                 struct jour_qos * qs,
                 int64_t           timeo,
                 void **           lf)
{
        struct ssrv *  s = srv;
        int64_t        deadline = jour_deadline(timeo);
        struct sflow * f = NULL;
        struct sflow * drop[16];
        size_t         ndrop = 0;

        pthread_mutex_lock(&acceptor.lock);
        if (s->nnames == 0) {
                pthread_mutex_unlock(&acceptor.lock);
                return -ENAME;
        }

        for (;;) {
                struct accepted ** pp;
                int64_t            rem;

                if (atomic_load(&s->closing)) {
                        pthread_mutex_unlock(&acceptor.lock);
                        release_dropped(drop, ndrop);
                        return -EJOUR_WOKEN;
                }

                for (pp = &acceptor.head; *pp != NULL; ) {
                        struct sflow * c = (*pp)->f;
                        if (c->kind == SF_LOOP && loop_abandoned(c)) {
                                if (ndrop == 16)
                                        break;
                                drop[ndrop++] = acc_unlink(pp);
                                continue;
                        }
                        if (c->kind == SF_OURO || srv_has(s, c->name, c->len))
                                break;
                        pp = &(*pp)->next;
                }

                if (*pp != NULL && ndrop < 16) {
                        f = acc_unlink(pp);
                        break;
                }

                if (ndrop > 0) {
                        /* Free outside the lock, then look again. */
                        pthread_mutex_unlock(&acceptor.lock);
                        release_dropped(drop, ndrop);
                        ndrop = 0;
                        pthread_mutex_lock(&acceptor.lock);
                        continue;
                }

                if (timeo == 0) {
                        pthread_mutex_unlock(&acceptor.lock);
                        return -EAGAIN;
                }

                rem = jour_remaining(deadline);
                if (rem == 0) {
                        pthread_mutex_unlock(&acceptor.lock);
                        return -ETIMEDOUT;
                }

                cond_wait_ns(&acceptor.cond, &acceptor.lock,
                             step_of(rem, WAIT_CAP));
        }
        pthread_mutex_unlock(&acceptor.lock);

        release_dropped(drop, ndrop);

        if (f->kind == SF_LOOP) {
                struct lpair * lp = f->lp;
                int            ok;

                /* The client's connect completes now, if it still waits. */
                pthread_mutex_lock(&lp->lock);
                ok = !lp->gone[0] && lp->ends[0] != NULL;
                if (ok)
                        alloc_done(lp->ends[0], 0);
                pthread_mutex_unlock(&lp->lock);
                if (!ok) {
                        l_release(f);
                        return timeo == 0 ? -EAGAIN : -ETIMEDOUT;
                }
        }

        *qs = f->asked;
        *lf = f;

        notify();

        return 0;
}

void s_srv_wake(void * srv)
{
        struct ssrv * s = srv;

        pthread_mutex_lock(&acceptor.lock);
        atomic_store(&s->closing, 1);
        pthread_cond_broadcast(&acceptor.cond);
        pthread_mutex_unlock(&acceptor.lock);
}

void s_srv_destroy(void * srv)
{
        struct ssrv *  s = srv;
        struct ssrv ** pp;
        int            i;

        pthread_mutex_lock(&acceptor.lock);
        atomic_store(&s->closing, 1);
        for (pp = &acceptor.srvs; *pp != NULL; pp = &(*pp)->next) {
                if (*pp == s) {
                        *pp = s->next;
                        break;
                }
        }
        if (s->nnames > 0)
                acceptor.nsrv--;
        pthread_cond_broadcast(&acceptor.cond);
        pthread_mutex_unlock(&acceptor.lock);

        /* Closing the channel unbinds what it bound. */
        for (i = 0; i < s->nnames; ++i)
                (void) proc_unbind(s->names[i].name, s->names[i].len);

        prune();

        free(s);
}

/* Whether a flow waits that this server channel takes. */
int srv_ready(void * srv)
{
        struct ssrv *     s = srv;
        struct accepted * a;
        int               ready = 0;

        pthread_mutex_lock(&acceptor.lock);
        for (a = acceptor.head; a != NULL && !ready; a = a->next)
                if (a->f->kind == SF_OURO ||
                    (srv_has(s, a->f->name, a->f->len) &&
                     !loop_abandoned(a->f)))
                        ready = 1;
        pthread_mutex_unlock(&acceptor.lock);

        return ready;
}
