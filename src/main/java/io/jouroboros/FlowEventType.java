/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import io.jouroboros.internal.Native;
import io.jouroboros.internal.NativeLibrary;

/**
 * Event types of a {@link FlowEventQueue}, with the bit values of
 * Ouroboros's {@code enum fqtype}; pyOuroboros's {@code FEventType}.
 */
public enum FlowEventType {
    /** {@code FLOW_PKT}: one SDU arrived. */
    PACKET("FLOW_PKT"),
    /** {@code FLOW_DOWN}: the flow went down (the peer is gone). */
    DOWN("FLOW_DOWN"),
    /** {@code FLOW_UP}: the flow came back up. */
    UP("FLOW_UP"),
    /** {@code FLOW_ALLOC}: an allocation completed. */
    ALLOC("FLOW_ALLOC"),
    /** {@code FLOW_DEALLOC}: the peer deallocated the flow. */
    DEALLOC("FLOW_DEALLOC"),
    /** {@code FLOW_PEER}: the peer timed out (QoS timeout). */
    PEER_TIMEOUT("FLOW_PEER");

    static {
        NativeLibrary.load();
    }

    private final String cName;
    private int value = -1;

    FlowEventType(String cName) {
        this.cName = cName;
    }

    /**
     * The bit value in Ouroboros's {@code fqueue.h}.
     *
     * @return the value
     */
    public int value() {
        if (value < 0) {
            value = Native.constant(cName);
        }
        return value;
    }
}
