/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import io.jouroboros.internal.LayerRuntime;
import java.io.IOException;
import java.net.ProtocolFamily;
import java.nio.channels.DatagramChannel;
import java.nio.channels.Pipe;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.AbstractSelector;
import java.nio.channels.spi.SelectorProvider;

/**
 * The {@link SelectorProvider} of flows: {@link #openSelector()} gives a
 * {@link java.nio.channels.Selector} that multiplexes {@link Flow}s and
 * {@link FlowServerChannel}s. Sockets and pipes belong to the JDK's default
 * provider; asking this one for them throws
 * {@link UnsupportedOperationException}.
 */
public final class FlowSelectorProvider extends SelectorProvider {
    private static final FlowSelectorProvider INSTANCE = new FlowSelectorProvider();

    private FlowSelectorProvider() {
    }

    /**
     * The provider of every flow channel.
     *
     * @return the single instance
     */
    public static FlowSelectorProvider provider() {
        return INSTANCE;
    }

    /**
     * Opens a selector for flows.
     *
     * @return a new selector
     * @throws IOException if the layer cannot run
     */
    @Override
    public AbstractSelector openSelector() throws IOException {
        LayerRuntime.ensure();
        return new FlowSelector(this);
    }

    /**
     * Opens an unconnected flow; same as {@link Flow#open()}.
     *
     * @return the flow
     * @throws IOException if the layer cannot run
     */
    public Flow openFlow() throws IOException {
        LayerRuntime.ensure();
        return new Flow(this);
    }

    /**
     * Opens an unbound server channel; same as {@link FlowServerChannel#open()}.
     *
     * @return the channel
     * @throws IOException if the layer cannot run
     */
    public FlowServerChannel openFlowServerChannel() throws IOException {
        LayerRuntime.ensure();
        return new FlowServerChannel(this);
    }

    private static UnsupportedOperationException notFlows(String what) {
        return new UnsupportedOperationException(what + " is not a flow: open it from the JDK's default"
                + " provider (SelectorProvider.provider()); this provider opens flows only");
    }

    /** @throws UnsupportedOperationException always: use the JDK's default provider */
    @Override
    public DatagramChannel openDatagramChannel() {
        throw notFlows("a DatagramChannel");
    }

    /** @throws UnsupportedOperationException always: use the JDK's default provider */
    @Override
    public DatagramChannel openDatagramChannel(ProtocolFamily family) {
        throw notFlows("a DatagramChannel");
    }

    /** @throws UnsupportedOperationException always: use the JDK's default provider */
    @Override
    public Pipe openPipe() {
        throw notFlows("a Pipe");
    }

    /** @throws UnsupportedOperationException always: use the JDK's default provider */
    @Override
    public ServerSocketChannel openServerSocketChannel() {
        throw notFlows("a ServerSocketChannel");
    }

    /** @throws UnsupportedOperationException always: use the JDK's default provider */
    @Override
    public SocketChannel openSocketChannel() {
        throw notFlows("a SocketChannel");
    }
}
