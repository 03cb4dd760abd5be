/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.netty;

import io.jouroboros.Flow;
import io.jouroboros.QoSSpec;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.FileRegion;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.nio.AbstractNioByteChannel;
import io.netty.channel.nio.NioIoOps;
import java.net.SocketAddress;
import java.nio.ByteBuffer;

/**
 * A byte-stream channel over one flow, after Netty's own NIO transports
 * ({@code NioSocketChannel}, UDT's and SCTP's): what it reads is a stream
 * of {@code ByteBuf}s, SDU boundaries not kept (use Netty's frame decoders,
 * or {@link NioFlowMessageChannel} to keep them); what it writes is cut into
 * SDUs of at most the flow's largest SDU. Register it with an event loop of
 * {@link FlowEventLoops}; connect it to a {@link FlowAddress}.
 *
 * <pre>{@code
 * EventLoopGroup group = new MultiThreadIoEventLoopGroup(
 *         NioIoHandler.newFactory(FlowSelectorProvider.provider()));
 * Channel ch = new Bootstrap().group(group).channel(NioFlowChannel.class)
 *         .handler(...).connect(new FlowAddress("oecho")).sync().channel();
 * }</pre>
 *
 * <p>The peer closing its flow is end of input: the channel closes (flows
 * have no half-close). Writes to a flow whose peer is gone fail with
 * {@link io.jouroboros.FlowDownException}; a connect to a name nobody is
 * bound to fails with {@link io.jouroboros.UnknownNameException}.
 */
public class NioFlowChannel extends AbstractNioByteChannel implements FlowChannel {
    /** At most this much goes to one gathering write. */
    private static final long MAX_BYTES_PER_GATHERING_WRITE = 1 << 20;

    private final FlowChannelConfig config = new FlowChannelConfig(this);

    /** An unconnected channel over a new flow. */
    public NioFlowChannel() {
        this(null, Flows.newFlow());
    }

    /**
     * A channel over a flow, for a server channel's accepted flows or a flow
     * opened elsewhere; Netty makes it non-blocking.
     *
     * @param parent the server channel, or {@code null}
     * @param flow the flow
     */
    public NioFlowChannel(Channel parent, Flow flow) {
        super(parent, flow);
    }

    @Override
    public FlowChannelConfig config() {
        return config;
    }

    @Override
    protected Flow javaChannel() {
        return (Flow) super.javaChannel();
    }

    @Override
    public boolean isActive() {
        return javaChannel().isConnected();
    }

    @Override
    public QoSSpec qos() {
        return Flows.qos(javaChannel());
    }

    @Override
    public FlowAddress remoteAddress() {
        return (FlowAddress) super.remoteAddress();
    }

    @Override
    public FlowAddress localAddress() {
        return (FlowAddress) super.localAddress();
    }

    @Override
    protected SocketAddress localAddress0() {
        return Flows.localAddress(parent());
    }

    @Override
    protected SocketAddress remoteAddress0() {
        return Flows.remoteAddress(javaChannel());
    }

    @Override
    protected void doBind(SocketAddress localAddress) {
        throw Flows.noLocalName();
    }

    @Override
    protected boolean doConnect(SocketAddress remoteAddress, SocketAddress localAddress) throws Exception {
        boolean connected = Flows.connect(javaChannel(), config, remoteAddress, localAddress);
        if (!connected) {
            addAndSubmit(NioIoOps.CONNECT);
        }
        return connected;
    }

    @Override
    protected void doFinishConnect() throws Exception {
        Flows.finishConnect(javaChannel());
    }

    @Override
    protected void doDisconnect() throws Exception {
        doClose();
    }

    @Override
    protected void doClose() throws Exception {
        super.doClose(); // fails a pending connect's promise, cancels its timeout
        javaChannel().close();
    }

    @Override
    protected ChannelFuture shutdownInput() {
        return newFailedFuture(new UnsupportedOperationException("a flow has no half-close"));
    }

    @Override
    protected int doReadBytes(ByteBuf buf) throws Exception {
        RecvByteBufAllocator.Handle allocHandle = unsafe().recvBufAllocHandle();
        allocHandle.attemptedBytesRead(buf.writableBytes());
        return buf.writeBytes(javaChannel(), allocHandle.attemptedBytesRead());
    }

    /**
     * Netty's {@code NioSocketChannel} loop: the flushed buffers go to the
     * flow in one gathering write, which packs them into SDUs of up to the
     * largest SDU, so many small buffers (a frame's header and its body,
     * say) do not cost an SDU each.
     */
    @Override
    protected void doWrite(ChannelOutboundBuffer in) throws Exception {
        Flow flow = javaChannel();
        int writeSpinCount = config().getWriteSpinCount();
        do {
            if (in.isEmpty()) {
                clearOpWrite();
                return;
            }
            ByteBuffer[] nioBuffers = in.nioBuffers(1024, MAX_BYTES_PER_GATHERING_WRITE);
            int count = in.nioBufferCount();
            if (count == 0) {
                // Something other than ByteBufs (a FileRegion): one at a time.
                writeSpinCount -= doWrite0(in);
                continue;
            }
            long written = count == 1 ? flow.write(nioBuffers[0]) : flow.write(nioBuffers, 0, count);
            if (written <= 0) {
                incompleteWrite(true);
                return;
            }
            in.removeBytes(written);
            --writeSpinCount;
        } while (writeSpinCount > 0);
        incompleteWrite(writeSpinCount < 0);
    }

    @Override
    protected int doWriteBytes(ByteBuf buf) throws Exception {
        return buf.readBytes(javaChannel(), buf.readableBytes());
    }

    @Override
    protected long doWriteFileRegion(FileRegion region) throws Exception {
        return region.transferTo(javaChannel(), region.transferred());
    }
}
