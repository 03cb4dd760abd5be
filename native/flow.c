/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Flows: the JNI entry points of io.jouroboros.internal.Native for
 * allocation, join, read, write and fccntl, on top of the layer table.
 *
 * The fccntl state (flags, timeouts, FRCT flags) and the partial-read rule
 * live here, once for every layer: a layer reads whole SDUs; what does not
 * fit the caller's buffer stays queued in the flow, never dropped.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"
#include "jour.h"
#include "ouroboros_abi.h"

#define TIMEO_NONE INT64_MAX /* Java's "no timeout" in fccntl calls */

/*
 * JDK 14 to 22 (JDK-8323782; fixed in 23, and in some 21 and 22 updates,
 * not in 17): Thread.interrupt() looks for the channel's interruptor first
 * and sets the interrupt status after, with no lock between the two, so
 * an interrupt that lands while the thread is in the channel's begin() is
 * lost: begin() saw no interrupt, the interruptor never runs, and nothing
 * closes the flow or wakes the thread. (The JDK's own channels lose it
 * the same way.) So a blocking call waits in slices, from SLICE_FIRST
 * doubling to SLICE_MAX, and between two it asks whether its thread is
 * interrupted: if so it returns -EINTR, and Java runs the interruptor
 * itself (Flow.runBlocking). A call that ends within its first slice
 * never asks; one that waits long wakes every SLICE_MAX. The first slice
 * is long enough for a thread that waits a little each time (a server
 * of pings up to 30 ms apart) never to wake for nothing: with 1 ms, a
 * Java oping server of pings 10 ms apart woke 3 times per ping, at 1, 3
 * and 7 ms, each time to arm the next slice (strace: a timed-out wait, a
 * flow control call, a look at the peer). A lost interrupt is seen within
 * SLICE_FIRST.
 */
#define SLICE_FIRST (32LL * 1000 * 1000)   /* 32 ms  */
#define SLICE_MAX   (256LL * 1000 * 1000)  /* 256 ms */

static jclass    thread_cls;
static jmethodID thread_current;
static jmethodID thread_is_interrupted;

static pthread_key_t scratch_key;

static void scratch_free(void * p)
{
        free(p);
}

/* Per-thread overflow buffer of the layer's largest SDU. */
static uint8_t * scratch(void)
{
        uint8_t * p = pthread_getspecific(scratch_key);

        if (p == NULL) {
                p = malloc(jour_layer()->max_sdu);
                if (p != NULL && pthread_setspecific(scratch_key, p) != 0) {
                        free(p);
                        p = NULL;
                }
        }

        return p;
}

struct jflow * jflow_new(void * lf)
{
        struct jflow * f = calloc(1, sizeof(*f));

        if (f == NULL)
                return NULL;

        if (pthread_mutex_init(&f->lock, NULL) != 0) {
                free(f);
                return NULL;
        }

        f->layer    = jour_layer();
        f->lf       = lf;
        f->flags    = FLOWFDEFAULT;
        f->rcvtimeo = -1;
        f->sndtimeo = -1;

        return f;
}

static void jflow_destroy(struct jflow * f)
{
        if (f->lf != NULL)
                f->layer->flow_dealloc(f->lf);

        free(f->rest);
        pthread_mutex_destroy(&f->lock);
        free(f);
}

int jflow_handle(struct jflow * f)
{
        int h = jour_handle_new(JOUR_FLOW, f);

        if (h < 0) {
                /* The layer flow goes too: nobody else can reach it. */
                jflow_destroy(f);
        }

        return h;
}

struct jflow * jflow_get(int h)
{
        return jour_handle_get(h, JOUR_FLOW);
}

static int get_flags(struct jflow * f)
{
        return __atomic_load_n(&f->flags, __ATOMIC_RELAXED);
}

/*
 * Whether the calling thread is interrupted. A Java exception it raises
 * stays pending (the native method throws it on return): reported as an
 * interrupt, so the call ends.
 */
static int java_interrupted(JNIEnv * env)
{
        jobject  t;
        jboolean b;

        t = (*env)->CallStaticObjectMethod(env, thread_cls, thread_current);
        if (t == NULL)
                return 1;

        b = (*env)->CallBooleanMethod(env, t, thread_is_interrupted);
        (*env)->DeleteLocalRef(env, t);

        return b || (*env)->ExceptionCheck(env);
}

/* One try of a blocking call, waiting up to timeo ns (-1: no limit). */
typedef ssize_t (*try_fn)(struct jflow * f,
                          void *         arg,
                          int64_t        timeo);

/*
 * How a read may wait: as the flow says (after a try), never, without a
 * first try, or never with a wait of the caller's to follow (JOUR_TRY_FIRST).
 */
enum { IO_WAIT, IO_NOW, IO_TRIED, IO_FIRST };

/*
 * A blocking call (timeo ns, -1: no limit; 0: one try that never waits;
 * JOUR_TRY_FIRST: that try, with a wait to follow, layer.h) in slices,
 * with the thread's interrupt status asked between two (see SLICE_FIRST):
 * the call's result, or -EINTR. A try that timed out before its slice was
 * over failed for real (a layer may keep an -ETIMEDOUT as its answer):
 * that is the result.
 */
static ssize_t sliced(JNIEnv *       env,
                      struct jflow * f,
                      try_fn         fn,
                      void *         arg,
                      int64_t        timeo)
{
        int64_t deadline;
        int64_t slice = SLICE_FIRST;
        int64_t t = timeo;
        int64_t t0;
        ssize_t n;

        if (timeo == 0 || timeo == JOUR_TRY_FIRST)
                return fn(f, arg, timeo);

        deadline = jour_deadline(timeo);

        for (;;) {
                if (t < 0 || t > slice)
                        t = slice;
                t0 = jour_now_ns();
                n  = fn(f, arg, t);
                if (n != -ETIMEDOUT || jour_now_ns() - t0 < t)
                        return n;
                t = jour_remaining(deadline);
                if (t == 0)
                        return n;
                if (java_interrupted(env))
                        return -EINTR;
                if (slice < SLICE_MAX)
                        slice *= 2;
        }
}

/*
 * sliced() on a flow: a call that failed while the flow was being closed
 * ended because close woke it (unless it never waited: -EAGAIN).
 */
static ssize_t flow_wait(JNIEnv *       env,
                         struct jflow * f,
                         try_fn         fn,
                         void *         arg,
                         int64_t        timeo)
{
        ssize_t n = sliced(env, f, fn, arg, timeo);

        if (n < 0 && f->closing && n != -EAGAIN)
                return -EJOUR_WOKEN;

        return n;
}

/*
 * flow_wait() after one try that does not wait: data that is there (or
 * room, for a write) is then taken without a timed wait. A slice is a
 * deadline to compute (a clock read, in the layer too) and a timeout the
 * layer may have to arm (the embedded layer sets SO_RCVTIMEO, a system
 * call, whenever the time left changes; the system layer an fccntl),
 * while a call that finds nothing waits anyway. Not when the caller has
 * just made that try itself (tried): a try that finds nothing costs a
 * system call in either layer (a peek at the socket, a look at the
 * peer's pidfd), and a wait takes what is there at once all the same.
 * JOUR_TRY_FIRST is such a try of the caller's (flowReadNow): no other.
 */
static ssize_t try_wait(JNIEnv *       env,
                        struct jflow * f,
                        try_fn         fn,
                        void *         arg,
                        int64_t        timeo,
                        int            tried)
{
        ssize_t n;

        if (timeo == 0 && tried)
                return -EAGAIN; /* that try was the whole call */

        if (timeo != 0 && timeo != JOUR_TRY_FIRST && !tried) {
                n = fn(f, arg, 0);
                if (n != -EAGAIN)
                        return n < 0 && f->closing ? -EJOUR_WOKEN : n;
        }

        return flow_wait(env, f, fn, arg, timeo);
}

/* ------------------------------------------------------------------ */

static jint flowOpen(JNIEnv * env,
                     jclass   cls)
{
        struct jflow * f;

        (void) env;
        (void) cls;

        f = jflow_new(NULL);
        if (f == NULL)
                return -ENOMEM;

        return jflow_handle(f);
}

/* Publishes a layer flow, or wakes it at once if close came first. */
static int publish(struct jflow * f,
                   void *         lf)
{
        int closing;

        pthread_mutex_lock(&f->lock);
        f->lf   = lf;
        closing = f->closing;
        if (closing)
                f->layer->flow_wake(lf);
        pthread_mutex_unlock(&f->lock);

        return closing ? -EJOUR_WOKEN : 0;
}

static jint flowAllocStart(JNIEnv *   env,
                           jclass     cls,
                           jint       h,
                           jbyteArray jname,
                           jlongArray jqos)
{
        struct jflow *  f = jflow_get(h);
        struct jour_qos qs;
        char            name[JOUR_NAME_MAX + 1];
        size_t          len;
        void *          lf = NULL;
        int             ret;

        (void) cls;

        if (f == NULL)
                return -EBADF;

        if (f->lf != NULL)
                return -EINVAL;

        if (jour_get_name(env, jname, name, &len) < 0 ||
            jour_qos_from_java(env, jqos, &qs) < 0)
                return -EINVAL;

        if (f->closing)
                return -EJOUR_WOKEN;

        ret = f->layer->flow_alloc_start(name, len, &qs, &lf);
        if (ret < 0)
                return ret;

        return publish(f, lf);
}

static ssize_t alloc_try(struct jflow * f,
                         void *         arg,
                         int64_t        timeo)
{
        return f->layer->flow_alloc_finish(f->lf, arg, timeo);
}

static jint flowAllocFinish(JNIEnv *   env,
                            jclass     cls,
                            jint       h,
                            jlong      timeo,
                            jlongArray jqos)
{
        struct jflow *  f = jflow_get(h);
        struct jour_qos qs;
        int             ret;

        (void) cls;

        if (f == NULL || f->lf == NULL)
                return -EBADF;

        ret = (int) flow_wait(env, f, alloc_try, &qs, timeo);
        if (ret < 0)
                return ret;

        return jour_qos_to_java(env, &qs, jqos);
}

static jint flowJoin(JNIEnv *   env,
                     jclass     cls,
                     jint       h,
                     jbyteArray jname)
{
        struct jflow * f = jflow_get(h);
        char           name[JOUR_NAME_MAX + 1];
        size_t         len;
        void *         lf = NULL;
        int            ret;

        (void) cls;

        if (f == NULL)
                return -EBADF;

        if (f->lf != NULL || jour_get_name(env, jname, name, &len) < 0)
                return -EINVAL;

        if (f->closing)
                return -EJOUR_WOKEN;

        ret = f->layer->flow_join(name, len, &lf);
        if (ret < 0)
                return ret;

        return publish(f, lf);
}

/*
 * Ouroboros's read rule: an SDU larger than the buffer fills it and the
 * rest stays queued (or, with FLOWFRNOPART, the read fails with EMSGSIZE
 * and the whole SDU stays queued); a read that exactly fills the buffer
 * with the end of an SDU is followed by one read of 0 that marks the end.
 */
static ssize_t read_rest(struct jflow * f,
                         uint8_t *      buf,
                         size_t         count,
                         int            partrd)
{
        size_t n = f->rest_len - f->rest_off;

        if (n > count) {
                if (!partrd)
                        return -EMSGSIZE;
                memcpy(buf, f->rest + f->rest_off, count);
                f->rest_off += count;
                return (ssize_t) count;
        }

        memcpy(buf, f->rest + f->rest_off, n);
        free(f->rest);
        f->rest     = NULL;
        f->rest_off = 0;
        f->rest_len = 0;
        f->part_end = partrd && n == count;

        return (ssize_t) n;
}

static int keep_rest(struct jflow *  f,
                     const uint8_t * head,
                     size_t          nhead,
                     const uint8_t * tail,
                     size_t          ntail)
{
        f->rest = malloc(nhead + ntail);
        if (f->rest == NULL)
                return -ENOMEM;

        /* memcpy's pointers must be valid even for 0 bytes. */
        if (nhead > 0)
                memcpy(f->rest, head, nhead);
        if (ntail > 0)
                memcpy(f->rest + nhead, tail, ntail);
        f->rest_off = 0;
        f->rest_len = nhead + ntail;

        return 0;
}

static ssize_t read_try(struct jflow * f,
                        void *         arg,
                        int64_t        timeo)
{
        return f->layer->flow_read(f->lf, arg, 2, timeo);
}

static ssize_t jflow_read(JNIEnv *       env,
                          struct jflow * f,
                          uint8_t *      buf,
                          size_t         count,
                          int            mode)
{
        struct iovec iov[2];
        uint8_t *    over;
        int          flags = get_flags(f);
        int          partrd = !(flags & FLOWFRNOPART);
        int64_t      timeo = f->rcvtimeo;
        ssize_t      n;
        int          ret;

        if ((flags & FLOWFACCMODE) == FLOWFWRONLY)
                return -EPERM;

        if (f->part_end) {
                f->part_end = 0;
                return 0;
        }

        if (f->rest != NULL)
                return read_rest(f, buf, count, partrd);

        over = scratch();
        if (over == NULL)
                return -ENOMEM;

        iov[0].iov_base = buf;
        iov[0].iov_len  = count;
        iov[1].iov_base = over;
        iov[1].iov_len  = f->layer->max_sdu;

        /* A first try is one only if a wait may follow it. */
        if ((flags & FLOWFRNOBLOCK) || mode == IO_NOW)
                timeo = 0;
        else if (mode == IO_FIRST && timeo != 0)
                timeo = JOUR_TRY_FIRST;

        n = try_wait(env, f, read_try, iov, timeo, mode == IO_TRIED);
        if (n < 0)
                return n;

        if ((size_t) n <= count) {
                f->part_end = partrd && (size_t) n == count;
                return n;
        }

        if (!partrd) {
                ret = keep_rest(f, buf, count, over, (size_t) n - count);
                return ret < 0 ? ret : -EMSGSIZE;
        }

        ret = keep_rest(f, NULL, 0, over, (size_t) n - count);

        return ret < 0 ? ret : (ssize_t) count;
}

/*
 * The flow and the bytes of a read or a write: 0, or -errno. Java passes
 * the address of the bytes (a direct buffer's address plus its position,
 * see Buffers.java), so no call asks the JVM for a buffer's address.
 */
static int io_args(jint            h,
                   jlong           addr,
                   jint            len,
                   struct jflow ** f,
                   uint8_t **      p)
{
        *f = jflow_get(h);
        *p = (uint8_t *) (uintptr_t) addr;

        if (*f == NULL || (*f)->lf == NULL)
                return -ENOTALLOC;

        if (addr == 0 || len < 0)
                return -EINVAL;

        return 0;
}

static jint read_buf(JNIEnv * env,
                     jint     h,
                     jlong    addr,
                     jint     len,
                     int      mode)
{
        struct jflow * f;
        uint8_t *      p;
        int            ret;

        ret = io_args(h, addr, len, &f, &p);
        if (ret < 0)
                return ret;

        return (jint) jflow_read(env, f, p, (size_t) len, mode);
}

/*
 * tried: the caller has just found nothing with flowReadNow (a platform
 * thread's blocking read), so a wait needs no try of its own first.
 */
static jint flowRead(JNIEnv * env,
                     jclass   cls,
                     jint     h,
                     jlong    addr,
                     jint     len,
                     jboolean tried)
{
        (void) cls;

        return read_buf(env, h, addr, len, tried ? IO_TRIED : IO_WAIT);
}

/*
 * A read that never waits, whatever the flow's flags: what a virtual
 * thread tries before it parks (Java's Poller waits for it instead).
 * first: the caller reads with flowRead(..., tried) next if this finds
 * nothing (a platform thread's blocking read), so an empty flow is not
 * looked at for its peer's end (JOUR_TRY_FIRST): that read's wait sees
 * it. Not for the Poller, which would wake for the end and try again.
 */
static jint flowReadNow(JNIEnv * env,
                        jclass   cls,
                        jint     h,
                        jlong    addr,
                        jint     len,
                        jboolean first)
{
        (void) cls;

        return read_buf(env, h, addr, len, first ? IO_FIRST : IO_NOW);
}

struct write_arg {
        const uint8_t * buf;
        size_t          len;
};

static ssize_t write_try(struct jflow * f,
                         void *         arg,
                         int64_t        timeo)
{
        struct write_arg * w = arg;

        return f->layer->flow_write(f->lf, w->buf, w->len, timeo);
}

static jint write_buf(JNIEnv * env,
                      jint     h,
                      jlong    addr,
                      jint     len,
                      int      now)
{
        struct jflow *   f;
        uint8_t *        p;
        struct write_arg w;
        int              flags;
        ssize_t          n;
        int              ret;

        ret = io_args(h, addr, len, &f, &p);
        if (ret < 0)
                return ret;

        flags = get_flags(f);

        if ((flags & FLOWFACCMODE) == FLOWFRDONLY)
                return -EPERM;

        if (flags & FLOWFDOWN)
                return -EFLOWDOWN;

        if ((size_t) len > f->layer->flow_max_sdu(f->lf))
                return -EMSGSIZE;

        w.buf = p;
        w.len = (size_t) len;
        n = try_wait(env, f, write_try, &w,
                     (now || (flags & FLOWFWNOBLOCK)) ? 0 : f->sndtimeo, 0);

        return (jint) n;
}

static jint flowWrite(JNIEnv * env,
                      jclass   cls,
                      jint     h,
                      jlong    addr,
                      jint     len)
{
        (void) cls;

        return write_buf(env, h, addr, len, 0);
}

/* A write that never waits, whatever the flow's flags (see flowReadNow). */
static jint flowWriteNow(JNIEnv * env,
                         jclass   cls,
                         jint     h,
                         jlong    addr,
                         jint     len)
{
        (void) cls;

        return write_buf(env, h, addr, len, 1);
}

/*
 * A direct buffer's address, 0 if it is not direct: Buffers.java's way
 * when it cannot read the address itself, and its check that it can.
 */
static jlong bufferAddress(JNIEnv * env,
                           jclass   cls,
                           jobject  buf)
{
        (void) cls;

        return (jlong) (uintptr_t) (*env)->GetDirectBufferAddress(env, buf);
}

/*
 * The layer's count plus the held rest of a partly read SDU, saturated:
 * the layer caps its count at INT_MAX, and one more must not wrap.
 */
static jlong rx_queue_len(struct jflow * f)
{
        int n = f->layer->flow_queue_len(f->lf, 1);

        if (n < 0)
                return n;

        if (f->rest != NULL && n < INT_MAX)
                ++n;

        return n;
}

#define FLAGS_KNOWN (FLOWFACCMODE | FLOWFDOWN | FLOWFRNOBLOCK | \
                     FLOWFWNOBLOCK | FLOWFRNOPART | FLOWFWNOPART)
#define FRCT_KNOWN  (FRCTFRTX | FRCTFRESCNTL | FRCTFLINGER)

static jlong flowCntl(JNIEnv * env,
                      jclass   cls,
                      jint     h,
                      jint     cmd,
                      jlong    arg)
{
        struct jflow * f = jflow_get(h);
        int            flags;

        (void) env;
        (void) cls;

        if (f == NULL || f->lf == NULL)
                return -ENOTALLOC;

        switch (cmd) {
        case FLOWSRCVTIMEO:
        case FLOWSSNDTIMEO:
                if (arg < 0)
                        return -EINVAL;
                if (cmd == FLOWSRCVTIMEO)
                        f->rcvtimeo = arg == TIMEO_NONE ? -1 : arg;
                else
                        f->sndtimeo = arg == TIMEO_NONE ? -1 : arg;
                return 0;
        case FLOWGRCVTIMEO:
                return f->rcvtimeo < 0 ? TIMEO_NONE : f->rcvtimeo;
        case FLOWGSNDTIMEO:
                return f->sndtimeo < 0 ? TIMEO_NONE : f->sndtimeo;
        case FLOWSFLAGS:
                if ((arg & ~(jlong) FLAGS_KNOWN) != 0 ||
                    (arg & FLOWFACCMODE) == FLOWFINVALID)
                        return -EINVAL;
                __atomic_store_n(&f->flags, (int) arg, __ATOMIC_RELAXED);
                return 0;
        case FLOWGFLAGS:
                flags = get_flags(f);
                if (f->layer->flow_is_down(f->lf))
                        flags |= FLOWFDOWN;
                return flags;
        case FLOWGRXQLEN:
                return rx_queue_len(f);
        case FLOWGTXQLEN:
                return f->layer->flow_queue_len(f->lf, 0);
        case JOURGRXTOTAL:
                return f->layer->flow_arrived(f->lf);
        case JOURGMAXSDU:
                return (jlong) f->layer->flow_max_sdu(f->lf);
        case FRCTSFLAGS:
                if ((arg & ~(jlong) FRCT_KNOWN) != 0)
                        return -EINVAL;
                f->frct = (int) arg;
                return 0;
        case FRCTGFLAGS:
                return f->frct;
        default:
                return -EINVAL;
        }
}

static void flowWake(JNIEnv * env,
                     jclass   cls,
                     jint     h)
{
        struct jflow * f = jflow_get(h);

        (void) env;
        (void) cls;

        if (f == NULL)
                return;

        pthread_mutex_lock(&f->lock);
        f->closing = 1;
        if (f->lf != NULL)
                f->layer->flow_wake(f->lf);
        pthread_mutex_unlock(&f->lock);
}

static void flowFree(JNIEnv * env,
                     jclass   cls,
                     jint     h)
{
        struct jflow * f = jflow_get(h);

        (void) env;
        (void) cls;

        if (f == NULL)
                return;

        jour_handle_free(h);
        jflow_destroy(f);
}

static jint maxSdu(JNIEnv * env,
                   jclass   cls)
{
        (void) env;
        (void) cls;

        return (jint) jour_layer()->max_sdu;
}

static const JNINativeMethod methods[] = {
        { "flowOpen",        "()I",           (void *) flowOpen },
        { "flowAllocStart",  "(I[B[J)I",      (void *) flowAllocStart },
        { "flowAllocFinish", "(IJ[J)I",       (void *) flowAllocFinish },
        { "flowJoin",        "(I[B)I",        (void *) flowJoin },
        { "flowRead",        "(IJIZ)I",       (void *) flowRead },
        { "flowWrite",       "(IJI)I",        (void *) flowWrite },
        { "flowReadNow",     "(IJIZ)I",       (void *) flowReadNow },
        { "flowWriteNow",    "(IJI)I",        (void *) flowWriteNow },
        { "bufferAddress",   "(Ljava/nio/ByteBuffer;)J",
          (void *) bufferAddress },
        { "flowCntl",        "(IIJ)J",        (void *) flowCntl },
        { "flowWake",        "(I)V",          (void *) flowWake },
        { "flowFree",        "(I)V",          (void *) flowFree },
        { "maxSdu",          "()I",           (void *) maxSdu },
};

/* Thread.currentThread() and isInterrupted(), for java_interrupted. */
static int thread_init(JNIEnv * env)
{
        jclass c = (*env)->FindClass(env, "java/lang/Thread");

        if (c == NULL)
                return -1;

        thread_current = (*env)->GetStaticMethodID(env, c, "currentThread",
                                                   "()Ljava/lang/Thread;");
        thread_is_interrupted = (*env)->GetMethodID(env, c, "isInterrupted",
                                                    "()Z");
        if (thread_current == NULL || thread_is_interrupted == NULL) {
                (*env)->DeleteLocalRef(env, c);
                return -1;
        }

        thread_cls = (*env)->NewGlobalRef(env, c);
        (*env)->DeleteLocalRef(env, c);

        return thread_cls == NULL ? -1 : 0;
}

int jour_flow_init(JNIEnv * env)
{
        if (thread_init(env) < 0)
                return -1;

        if (pthread_key_create(&scratch_key, scratch_free) != 0) {
                (*env)->DeleteGlobalRef(env, thread_cls);
                thread_cls = NULL;
                return -1;
        }

        if (jour_register(env, "io/jouroboros/internal/Native", methods,
                          sizeof(methods) / sizeof(methods[0])) < 0 ||
            jour_bench_init(env) < 0) {
                (void) pthread_key_delete(scratch_key);
                (*env)->DeleteGlobalRef(env, thread_cls);
                thread_cls = NULL;
                return -1;
        }

        return 0;
}

void jour_flow_fini(JNIEnv * env)
{
        (void) pthread_key_delete(scratch_key);

        if (thread_cls != NULL) {
                (*env)->DeleteGlobalRef(env, thread_cls);
                thread_cls = NULL;
        }
}
