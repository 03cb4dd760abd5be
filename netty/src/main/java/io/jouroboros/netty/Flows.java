/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.netty;

import io.jouroboros.Flow;
import io.jouroboros.QoSSpec;
import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.channels.UnsupportedAddressTypeException;

/** What the two client channels share: opening, connecting, addresses. */
final class Flows {
    private Flows() {
    }

    static Flow newFlow() {
        try {
            return Flow.open();
        } catch (IOException e) {
            throw new ChannelException("cannot open a flow", e);
        }
    }

    static FlowAddress flowAddress(SocketAddress a) {
        if (!(a instanceof FlowAddress)) {
            throw new UnsupportedAddressTypeException();
        }
        return (FlowAddress) a;
    }

    /** What binding a client channel, or connecting it from a local address, fails with. */
    static UnsupportedOperationException noLocalName() {
        return new UnsupportedOperationException("a flow has no local name to bind: "
                + "bind names with a NioFlowServerChannel");
    }

    /**
     * Starts a non-blocking allocation: {@code true} when done at once,
     * {@code false} while pending ({@code OP_CONNECT} then fires). Netty's
     * {@code CONNECT_TIMEOUT_MILLIS} bounds the wait. A failure closes the flow.
     */
    static boolean connect(Flow flow, FlowChannelConfig config, SocketAddress remote, SocketAddress local)
            throws IOException {
        if (local != null) {
            flow.close();
            throw noLocalName();
        }
        FlowAddress to = flowAddress(remote);
        QoSSpec qos = to.qos() != null ? to.qos() : config.getQos();
        return flow.connect(to.name(), qos, null);
    }

    /** finishConnect after OP_CONNECT: the answer is in, so it completes or throws. */
    static void finishConnect(Flow flow) throws IOException {
        if (!flow.finishConnect()) {
            throw new IllegalStateException("OP_CONNECT fired but the allocation is still pending: " + flow);
        }
    }

    static FlowAddress remoteAddress(Flow flow) {
        String name = flow.remoteName();
        if (name == null) {
            return null;
        }
        QoSSpec q = flow.isConnected() ? flow.qos() : null;
        return new FlowAddress(name, q);
    }

    static FlowAddress localAddress(Channel parent) {
        return parent instanceof NioFlowServerChannel ? ((NioFlowServerChannel) parent).localAddress() : null;
    }

    static QoSSpec qos(Flow flow) {
        try {
            return flow.qos();
        } catch (RuntimeException e) {
            return null; // not connected (NotYetConnectedException)
        }
    }
}
