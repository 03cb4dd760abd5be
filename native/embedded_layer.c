/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The embedded layer's table (layer.h): what each entry does, and the
 * layer's map, are in embedded.h.
 */
#include "embedded.h"
#include "embedded_rendezvous.h"

static int e_init(const char * cfg)
{
        return rdv_init(cfg);
}

const struct jour_layer jour_layer_embedded = {
        .name              = "embedded",
        .max_sdu           = E_MAX_SDU,
        .init              = e_init,
        .flow_alloc_start  = e_flow_alloc_start,
        .flow_alloc_finish = e_flow_alloc_finish,
        .flow_join         = e_flow_join,
        .flow_wake         = e_flow_wake,
        .flow_dealloc      = e_flow_dealloc,
        .flow_read         = e_flow_read,
        .flow_write        = e_flow_write,
        .flow_queue_len    = e_flow_queue_len,
        .flow_is_down      = e_flow_is_down,
        .flow_arrived      = e_flow_arrived,
        .flow_max_sdu      = e_flow_max_sdu,
        .flow_rx_ready     = e_flow_rx_ready,
        .srv_create        = e_srv_create,
        .srv_bind          = e_srv_bind,
        .srv_accept        = e_srv_accept,
        .srv_wake          = e_srv_wake,
        .srv_destroy       = e_srv_destroy,
        .fset_create       = e_fset_create,
        .fset_destroy      = e_fset_destroy,
        .fset_add          = e_fset_add,
        .fset_mod          = e_fset_mod,
        .fset_del          = e_fset_del,
        .fset_wait         = e_fset_wait,
        .fset_wake         = e_fset_wake,
        .proc_bind         = e_proc_bind,
        .proc_unbind       = e_proc_unbind,
};
