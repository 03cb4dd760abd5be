/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.netty;

import io.jouroboros.Flow;
import io.jouroboros.FlowServerChannel;

/**
 * A {@link NioFlowServerChannel} whose children are
 * {@link NioFlowMessageChannel}s: one {@code ByteBuf} per SDU.
 */
public class NioFlowMessageServerChannel extends NioFlowServerChannel {
    /** An unbound server channel. */
    public NioFlowMessageServerChannel() {
    }

    /**
     * A server channel over a {@link FlowServerChannel}, bound or not.
     *
     * @param server the channel
     */
    public NioFlowMessageServerChannel(FlowServerChannel server) {
        super(server);
    }

    @Override
    protected FlowChannel newChild(Flow flow) {
        return new NioFlowMessageChannel(this, flow);
    }
}
