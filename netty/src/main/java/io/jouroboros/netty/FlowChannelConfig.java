/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.netty;

import io.jouroboros.QoSSpec;
import io.netty.channel.ChannelOption;
import io.netty.channel.DefaultChannelConfig;
import java.util.Map;
import java.util.Objects;

/**
 * The configuration of a {@link FlowChannel}: Netty's common options and
 * {@link FlowChannelOption#QOS}.
 */
public final class FlowChannelConfig extends DefaultChannelConfig {
    private volatile QoSSpec qos;

    FlowChannelConfig(FlowChannel channel) {
        super(channel);
    }

    @Override
    public Map<ChannelOption<?>, Object> getOptions() {
        return getOptions(super.getOptions(), FlowChannelOption.QOS);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T getOption(ChannelOption<T> option) {
        if (option == FlowChannelOption.QOS) {
            return (T) getQos();
        }
        return super.getOption(option);
    }

    @Override
    public <T> boolean setOption(ChannelOption<T> option, T value) {
        validate(option, value);
        if (option == FlowChannelOption.QOS) {
            setQos((QoSSpec) value);
            return true;
        }
        return super.setOption(option, value);
    }

    /**
     * The QoS a connect asks for when its address carries none.
     *
     * @return the QoS; {@link QoSSpec#raw()} unless set
     */
    public QoSSpec getQos() {
        QoSSpec q = qos;
        return q != null ? q : QoSSpec.raw();
    }

    /**
     * Sets the QoS a connect asks for when its address carries none.
     *
     * @param qos the QoS
     * @return this configuration
     */
    public FlowChannelConfig setQos(QoSSpec qos) {
        this.qos = Objects.requireNonNull(qos, "qos");
        return this;
    }
}
