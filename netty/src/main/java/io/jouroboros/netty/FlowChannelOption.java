/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.netty;

import io.jouroboros.QoSSpec;
import io.netty.channel.ChannelOption;

/**
 * The {@link ChannelOption}s of flow channels, beside Netty's own.
 *
 * @param <T> the option's type
 */
public final class FlowChannelOption<T> extends ChannelOption<T> {
    /**
     * The QoS a client channel asks for when it connects, unless its
     * {@link FlowAddress} carries one: {@link QoSSpec#raw()} by default.
     * The QoS the flow got is {@link FlowChannel#qos()}.
     */
    public static final ChannelOption<QoSSpec> QOS = valueOf(FlowChannelOption.class, "QOS");

    @SuppressWarnings({"unused", "deprecation"})
    private FlowChannelOption() {
        super(null);
    }
}
