/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.netty;

import io.jouroboros.QoSSpec;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The address of a flow's far end: an Ouroboros name, and optionally the
 * QoS to ask for when a flow is allocated to it. A client
 * {@code connect}s to it; a {@link NioFlowServerChannel} {@code bind}s it
 * (the QoS is then ignored).
 *
 * <pre>{@code
 * bootstrap.connect(new FlowAddress("oecho"));
 * bootstrap.connect(new FlowAddress("oecho", QoSSpec.voice()));
 * }</pre>
 *
 * <p>Without a QoS the channel's {@link FlowChannelOption#QOS} applies
 * ({@linkplain QoSSpec#raw() raw} unless set). The QoS is not serialised: a
 * deserialised address carries the name only.
 */
public final class FlowAddress extends SocketAddress {
    private static final long serialVersionUID = 1L;

    private final String name;
    private final transient QoSSpec qos;

    /**
     * An address without a QoS of its own.
     *
     * @param name an Ouroboros name: 1 to 255 bytes of UTF-8, no NUL
     * @throws IllegalArgumentException if the name is not one
     */
    public FlowAddress(String name) {
        this(name, null);
    }

    /**
     * An address with the QoS to ask for.
     *
     * @param name an Ouroboros name: 1 to 255 bytes of UTF-8, no NUL
     * @param qos the QoS, or {@code null} for the channel's {@link FlowChannelOption#QOS}
     * @throws IllegalArgumentException if the name is not one
     */
    public FlowAddress(String name, QoSSpec qos) {
        Objects.requireNonNull(name, "name");
        int len = name.getBytes(StandardCharsets.UTF_8).length;
        if (len < 1 || len > 255 || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("not an Ouroboros name (1 to 255 bytes of UTF-8, no NUL): \""
                    + name + "\"");
        }
        this.name = name;
        this.qos = qos;
    }

    /** @return the name */
    public String name() {
        return name;
    }

    /** @return the QoS to ask for, or {@code null} when the channel's option applies */
    public QoSSpec qos() {
        return qos;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FlowAddress && ((FlowAddress) o).name.equals(name)
                && Objects.equals(((FlowAddress) o).qos, qos);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Objects.hashCode(qos);
    }

    @Override
    public String toString() {
        return qos == null ? "flow:" + name : "flow:" + name + " " + qos;
    }
}
