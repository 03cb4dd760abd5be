/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.netty;

import io.jouroboros.Flow;
import io.jouroboros.FlowServerChannel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelMetadata;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.DefaultChannelConfig;
import io.netty.channel.ServerChannel;
import io.netty.channel.nio.AbstractNioMessageChannel;
import io.netty.channel.nio.NioIoOps;
import java.io.IOException;
import java.net.SocketAddress;
import java.util.List;

/**
 * A server channel over a {@link FlowServerChannel}: {@code bind} a
 * {@link FlowAddress} and each flow allocated to its name becomes a child
 * {@link NioFlowChannel} (byte stream; {@link NioFlowMessageServerChannel}
 * gives {@link NioFlowMessageChannel}s). Binding binds this process to the
 * name, and closing the channel unbinds it; several processes (or channels)
 * bound to one name share its flows.
 *
 * <pre>{@code
 * new ServerBootstrap().group(group).channel(NioFlowServerChannel.class)
 *         .childHandler(...).bind(new FlowAddress("oecho")).sync();
 * }</pre>
 */
public class NioFlowServerChannel extends AbstractNioMessageChannel implements ServerChannel {
    private static final ChannelMetadata METADATA = new ChannelMetadata(false, 16);

    private final ChannelConfig config = new DefaultChannelConfig(this);
    private volatile FlowAddress local;

    /** An unbound server channel. */
    public NioFlowServerChannel() {
        this(newServer());
    }

    /**
     * A server channel over a {@link FlowServerChannel}, bound or not.
     *
     * @param server the channel
     */
    public NioFlowServerChannel(FlowServerChannel server) {
        super(null, server, NioIoOps.ACCEPT);
        List<String> names = server.names();
        if (!names.isEmpty()) {
            local = new FlowAddress(names.get(0));
        }
    }

    private static FlowServerChannel newServer() {
        try {
            return FlowServerChannel.open();
        } catch (IOException e) {
            throw new ChannelException("cannot open a flow server channel", e);
        }
    }

    /**
     * The child for an accepted flow; a subclass may give another kind.
     *
     * @param flow the accepted flow
     * @return the channel
     */
    protected FlowChannel newChild(Flow flow) {
        return new NioFlowChannel(this, flow);
    }

    @Override
    public ChannelConfig config() {
        return config;
    }

    @Override
    public ChannelMetadata metadata() {
        return METADATA;
    }

    @Override
    protected FlowServerChannel javaChannel() {
        return (FlowServerChannel) super.javaChannel();
    }

    @Override
    public boolean isActive() {
        return isOpen() && local != null;
    }

    /** @return the bound address, or {@code null} before bind */
    @Override
    public FlowAddress localAddress() {
        return (FlowAddress) super.localAddress();
    }

    /** @return {@code null}: a server channel has no peer */
    @Override
    public FlowAddress remoteAddress() {
        return null;
    }

    @Override
    protected SocketAddress localAddress0() {
        return local;
    }

    @Override
    protected SocketAddress remoteAddress0() {
        return null;
    }

    @Override
    protected void doBind(SocketAddress localAddress) throws Exception {
        FlowAddress a = Flows.flowAddress(localAddress);
        javaChannel().bind(a.name());
        local = new FlowAddress(a.name());
    }

    @Override
    protected void doClose() throws Exception {
        super.doClose(); // fails a pending connect's promise, cancels its timeout
        javaChannel().close();
    }

    @Override
    protected int doReadMessages(List<Object> buf) throws Exception {
        Flow flow = javaChannel().accept();
        if (flow == null) {
            return 0;
        }
        try {
            buf.add(newChild(flow));
            return 1;
        } catch (Throwable t) {
            flow.close();
            throw t;
        }
    }

    @Override
    protected boolean doConnect(SocketAddress remoteAddress, SocketAddress localAddress) {
        throw new UnsupportedOperationException();
    }

    @Override
    protected void doFinishConnect() {
        throw new UnsupportedOperationException();
    }

    @Override
    protected void doDisconnect() {
        throw new UnsupportedOperationException();
    }

    @Override
    protected boolean doWriteMessage(Object msg, ChannelOutboundBuffer in) {
        throw new UnsupportedOperationException();
    }

    @Override
    protected final Object filterOutboundMessage(Object msg) {
        throw new UnsupportedOperationException("a server channel writes nothing");
    }
}
