/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.netty;

import io.jouroboros.QoSSpec;
import io.netty.channel.Channel;

/**
 * A Netty channel over one Ouroboros flow: {@link NioFlowChannel} (a byte
 * stream) or {@link NioFlowMessageChannel} (one {@code ByteBuf} per SDU).
 */
public interface FlowChannel extends Channel {
    @Override
    FlowChannelConfig config();

    /**
     * The name a client channel connected to, with the QoS of its flow;
     * {@code null} for an accepted channel, since Ouroboros does not tell a
     * server who allocated the flow.
     *
     * @return the address, or {@code null}
     */
    @Override
    FlowAddress remoteAddress();

    /**
     * For an accepted channel, the address its server channel is bound to;
     * {@code null} for a client channel: a flow has no local name.
     *
     * @return the address, or {@code null}
     */
    @Override
    FlowAddress localAddress();

    /**
     * The QoS the flow was allocated with: for a client, what the layer
     * granted; for an accepted channel, what the client asked.
     *
     * @return the QoS, or {@code null} while the channel is not connected
     */
    QoSSpec qos();
}
