/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * SDUs the system layer holds itself: queues of copies (loopback pairs,
 * what we read ahead from a peer that died), the copy into the caller's
 * scatter list, and a per-thread buffer one byte larger than the largest
 * SDU.
 *
 * Ouroboros 0.23 defect contained here (with system_flow.c): a read into
 * a buffer smaller than the SDU drops the rest, and a read that exactly
 * fills the buffer is followed by a fake empty read. We always read into
 * a buffer one byte larger than the largest SDU (scratch(), unless the
 * caller's own buffer is larger), and scatter() puts what the caller's
 * buffer cannot take into the overflow buffer, which flow.c keeps.
 */
#include <stdlib.h>
#include <string.h>

#include "system.h"

static pthread_key_t scratch_key;

static void scratch_free(void * p)
{
        free(p);
}

int sdu_init(void)
{
        return pthread_key_create(&scratch_key, scratch_free) == 0 ? 0 : -1;
}

void sdu_fini(void)
{
        (void) pthread_key_delete(scratch_key);
}

struct sdu * sdu_new(const void * buf,
                     size_t       len)
{
        struct sdu * s = malloc(sizeof(*s) + len);

        if (s == NULL)
                return NULL;

        s->next = NULL;
        s->len  = len;
        memcpy(s->data, buf, len);

        return s;
}

void sduq_push(struct sduq * q,
               struct sdu *  s)
{
        s->next = NULL;
        if (q->tail != NULL)
                q->tail->next = s;
        else
                q->head = s;
        q->tail   = s;
        q->n     += 1;
        q->bytes += s->len;
        q->arrived++;
}

struct sdu * sduq_pop(struct sduq * q)
{
        struct sdu * s = q->head;

        if (s == NULL)
                return NULL;

        q->head = s->next;
        if (q->head == NULL)
                q->tail = NULL;
        q->n     -= 1;
        q->bytes -= s->len;

        return s;
}

void sduq_clear(struct sduq * q)
{
        struct sdu * s;

        while ((s = sduq_pop(q)) != NULL)
                free(s);
}

/* Copies an SDU into the caller's scatter list (buffer, then overflow). */
void scatter(struct iovec *  iov,
             int             iovcnt,
             const uint8_t * src,
             size_t          n)
{
        size_t head = iov[0].iov_len < n ? iov[0].iov_len : n;

        memcpy(iov[0].iov_base, src, head);
        if (n > head && iovcnt > 1)
                memcpy(iov[1].iov_base, src + head, n - head);
}

/* Per-thread buffer of the largest SDU plus one byte (see above). */
uint8_t * scratch(void)
{
        uint8_t * p = pthread_getspecific(scratch_key);

        if (p == NULL) {
                p = malloc(jour_layer_system.max_sdu + 1);
                if (p != NULL && pthread_setspecific(scratch_key, p) != 0) {
                        free(p);
                        p = NULL;
                }
        }

        return p;
}
