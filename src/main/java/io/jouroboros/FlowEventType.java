/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import io.jouroboros.internal.Consts;
import io.jouroboros.internal.NativeLibrary;

/**
 * Event types of a {@link FlowEventQueue}, with the bit values of
 * Ouroboros's {@code enum fqtype}; pyOuroboros's {@code FEventType}.
 */
public enum FlowEventType {
    /** {@code FLOW_PKT}: one SDU arrived. */
    PACKET(Consts.EV_PKT),
    /** {@code FLOW_DOWN}: the flow went down (the peer is gone). */
    DOWN(Consts.EV_DOWN),
    /** {@code FLOW_UP}: the flow came back up. */
    UP(Consts.EV_UP),
    /** {@code FLOW_ALLOC}: an allocation completed. */
    ALLOC(Consts.EV_ALLOC),
    /** {@code FLOW_DEALLOC}: the peer deallocated the flow. */
    DEALLOC(Consts.EV_DEALLOC),
    /** {@code FLOW_PEER}: the peer timed out (QoS timeout). */
    PEER_TIMEOUT(Consts.EV_PEER);

    // -1 while the native library is unavailable.
    private final int value;

    FlowEventType(int value) {
        this.value = value;
    }

    /**
     * The bit value in Ouroboros's {@code fqueue.h}, from the native library.
     *
     * @return the value
     * @throws UnsupportedOperationException if the native library is unavailable
     *         ({@link Ouroboros#isAvailable()})
     */
    public int value() {
        if (value < 0) {
            throw NativeLibrary.unsupported("FlowEventType.value()");
        }
        return value;
    }
}
