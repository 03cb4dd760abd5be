/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The handle table and small helpers every concern uses.
 *
 * Handles are small ints, like Ouroboros flow descriptors. The table is two
 * levels of fixed chunks that are never moved or freed while the library is
 * loaded, so a lookup needs no lock; Java guarantees that no thread uses a
 * handle after the one call that frees it (close is deferred until every
 * thread has left native code).
 */
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "jour.h"

#define CHUNK_BITS 10
#define CHUNK_SIZE (1 << CHUNK_BITS)
#define N_CHUNKS   1024 /* up to 1M live objects */

struct slot {
        _Atomic(void *) obj;
        int             kind;
        int             next_free;
};

static struct slot *    chunks[N_CHUNKS];
static int              n_slots;
static int              free_head = -1;
static pthread_mutex_t  tab_lock = PTHREAD_MUTEX_INITIALIZER;

static struct slot * slot_of(int h)
{
        struct slot * c;

        if (h < 0 || h >= N_CHUNKS * CHUNK_SIZE)
                return NULL;

        c = chunks[h >> CHUNK_BITS];
        if (c == NULL)
                return NULL;

        return &c[h & (CHUNK_SIZE - 1)];
}

int jour_handle_new(int    kind,
                    void * obj)
{
        struct slot * s;
        int           h;

        pthread_mutex_lock(&tab_lock);

        if (free_head >= 0) {
                h = free_head;
                s = slot_of(h);
                free_head = s->next_free;
        } else {
                if (n_slots >= N_CHUNKS * CHUNK_SIZE) {
                        pthread_mutex_unlock(&tab_lock);
                        return -ENFILE;
                }
                h = n_slots;
                if (chunks[h >> CHUNK_BITS] == NULL) {
                        struct slot * c = calloc(CHUNK_SIZE, sizeof(*c));
                        if (c == NULL) {
                                pthread_mutex_unlock(&tab_lock);
                                return -ENOMEM;
                        }
                        chunks[h >> CHUNK_BITS] = c;
                }
                ++n_slots;
                s = slot_of(h);
        }

        s->kind      = kind;
        s->next_free = -1;
        atomic_store(&s->obj, obj);

        pthread_mutex_unlock(&tab_lock);

        return h;
}

void * jour_handle_get(int h,
                       int kind)
{
        struct slot * s = slot_of(h);
        void *        obj;

        if (s == NULL)
                return NULL;

        obj = atomic_load(&s->obj);
        if (obj == NULL || s->kind != kind)
                return NULL;

        return obj;
}

void jour_handle_free(int h)
{
        struct slot * s;

        pthread_mutex_lock(&tab_lock);

        s = slot_of(h);
        if (s != NULL && atomic_load(&s->obj) != NULL) {
                atomic_store(&s->obj, NULL);
                s->kind      = 0;
                s->next_free = free_head;
                free_head    = h;
        }

        pthread_mutex_unlock(&tab_lock);
}

int64_t jour_now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);

        return (int64_t) ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int64_t jour_deadline(int64_t timeo)
{
        if (timeo < 0)
                return -1;

        /* Passed already, and no clock read: every call that must not wait. */
        if (timeo == 0)
                return 0;

        return jour_now_ns() + timeo;
}

int64_t jour_remaining(int64_t deadline)
{
        int64_t r;

        if (deadline < 0)
                return -1;

        if (deadline == 0)
                return 0;

        r = deadline - jour_now_ns();

        return r < 0 ? 0 : r;
}

int jour_poll_ms(int64_t remaining)
{
        if (remaining < 0)
                return -1;

        /* Round up, so a short wait never becomes a busy loop. */
        if (remaining > (int64_t) 1000 * 1000 * 1000 * 3600)
                return 3600 * 1000;

        return (int) ((remaining + 999999) / 1000000);
}

int jour_get_name(JNIEnv *   env,
                  jbyteArray arr,
                  char *     buf,
                  size_t *   len)
{
        jsize n;

        if (arr == NULL)
                return -EINVAL;

        n = (*env)->GetArrayLength(env, arr);
        if (n < 1 || n > JOUR_NAME_MAX)
                return -EINVAL;

        (*env)->GetByteArrayRegion(env, arr, 0, n, (jbyte *) buf);
        if ((*env)->ExceptionCheck(env))
                return -EINVAL;

        if (memchr(buf, '\0', (size_t) n) != NULL)
                return -EINVAL;

        buf[n] = '\0';
        *len   = (size_t) n;

        return 0;
}

int jour_qos_from_java(JNIEnv *          env,
                       jlongArray        arr,
                       struct jour_qos * qs)
{
        jlong v[8];

        if (arr == NULL || (*env)->GetArrayLength(env, arr) != 8)
                return -EINVAL;

        (*env)->GetLongArrayRegion(env, arr, 0, 8, v);
        if ((*env)->ExceptionCheck(env))
                return -EINVAL;

        if (v[0] < 0 || v[0] > UINT32_MAX || v[2] < 0 || v[2] > UINT8_MAX ||
            v[3] < 0 || v[3] > UINT32_MAX || v[4] < 0 || v[4] > UINT32_MAX ||
            v[5] < 0 || v[5] > 1 || v[6] < 0 || v[6] > UINT32_MAX ||
            v[7] < 0 || v[7] > UINT32_MAX)
                return -EINVAL;

        qs->delay        = (uint32_t) v[0];
        qs->bandwidth    = (uint64_t) v[1]; /* unsigned 64 in a long */
        qs->availability = (uint8_t) v[2];
        qs->loss         = (uint32_t) v[3];
        qs->ber          = (uint32_t) v[4];
        qs->in_order     = (uint8_t) v[5];
        qs->max_gap      = (uint32_t) v[6];
        qs->timeout      = (uint32_t) v[7];

        return 0;
}

int jour_qos_to_java(JNIEnv *                env,
                     const struct jour_qos * qs,
                     jlongArray              arr)
{
        jlong v[8];

        if (arr == NULL || (*env)->GetArrayLength(env, arr) != 8)
                return -EINVAL;

        v[0] = qs->delay;
        v[1] = (jlong) qs->bandwidth;
        v[2] = qs->availability;
        v[3] = qs->loss;
        v[4] = qs->ber;
        v[5] = qs->in_order;
        v[6] = qs->max_gap;
        v[7] = qs->timeout;

        (*env)->SetLongArrayRegion(env, arr, 0, 8, v);

        return (*env)->ExceptionCheck(env) ? -EINVAL : 0;
}

int jour_register(JNIEnv *                env,
                  const char *            cls,
                  const JNINativeMethod * m,
                  int                     n)
{
        jclass c;
        int    ret;

        c = (*env)->FindClass(env, cls);
        if (c == NULL)
                return -1;

        ret = (*env)->RegisterNatives(env, c, m, n);

        (*env)->DeleteLocalRef(env, c);

        return ret == 0 ? 0 : -1;
}
