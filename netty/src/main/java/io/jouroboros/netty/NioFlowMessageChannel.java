/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.netty;

import io.jouroboros.Flow;
import io.jouroboros.MessageTooLargeException;
import io.jouroboros.Ouroboros;
import io.jouroboros.QoSSpec;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelMetadata;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.nio.AbstractNioMessageChannel;
import io.netty.channel.nio.NioIoOps;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.internal.StringUtil;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * A channel over one flow that keeps SDU boundaries: each SDU read is one
 * {@code ByteBuf} passed down the pipeline, each {@code ByteBuf} written is
 * one SDU. A {@code ByteBuf} larger than the flow's largest SDU fails its
 * write with {@link MessageTooLargeException} and the channel goes on; an
 * empty one sends nothing. Otherwise as {@link NioFlowChannel}.
 */
public class NioFlowMessageChannel extends AbstractNioMessageChannel implements FlowChannel {
    private static final ChannelMetadata METADATA = new ChannelMetadata(false, 16);

    /**
     * One read buffer per event loop thread, a byte larger than the largest
     * SDU, so one read takes a whole SDU; each SDU is then copied into a
     * buffer of its own size.
     */
    private static final FastThreadLocal<ByteBuffer> SCRATCH = new FastThreadLocal<>() {
        @Override
        protected ByteBuffer initialValue() throws Exception {
            return ByteBuffer.allocateDirect(Ouroboros.maxSdu() + 1);
        }
    };

    private final FlowChannelConfig config = new FlowChannelConfig(this);

    /** An unconnected channel over a new flow. */
    public NioFlowMessageChannel() {
        this(null, Flows.newFlow());
    }

    /**
     * A channel over a flow.
     *
     * @param parent the server channel, or {@code null}
     * @param flow the flow
     */
    public NioFlowMessageChannel(Channel parent, Flow flow) {
        super(parent, flow, NioIoOps.READ);
    }

    @Override
    public FlowChannelConfig config() {
        return config;
    }

    @Override
    public ChannelMetadata metadata() {
        return METADATA;
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
    protected boolean continueReading(RecvByteBufAllocator.Handle allocHandle) {
        // A read that returns less than the buffer holds is a whole SDU, not
        // the end of the input: go on while reads bring SDUs (as Netty's
        // datagram channels do).
        if (allocHandle instanceof RecvByteBufAllocator.ExtendedHandle) {
            return ((RecvByteBufAllocator.ExtendedHandle) allocHandle).continueReading(() -> true);
        }
        return allocHandle.continueReading();
    }

    @Override
    protected int doReadMessages(List<Object> buf) throws Exception {
        ByteBuffer scratch = SCRATCH.get();
        scratch.clear();
        int n = javaChannel().readMessage(scratch);
        if (n <= 0) {
            // 0: nothing queued (the buffer is larger than any SDU, so never an end-of-SDU mark).
            return n < 0 ? -1 : 0;
        }
        scratch.flip();
        RecvByteBufAllocator.Handle allocHandle = unsafe().recvBufAllocHandle();
        ByteBuf sdu = config.getAllocator().ioBuffer(n);
        try {
            sdu.writeBytes(scratch);
        } catch (Throwable t) {
            sdu.release();
            throw t;
        }
        allocHandle.attemptedBytesRead(n);
        allocHandle.lastBytesRead(n);
        buf.add(sdu);
        return 1;
    }

    @Override
    protected void doWrite(ChannelOutboundBuffer in) throws Exception {
        // AbstractNioMessageChannel's loop, except that an SDU too large for
        // the flow fails its own write only.
        int maxMessagesPerWrite = maxMessagesPerWrite();
        while (maxMessagesPerWrite > 0) {
            Object msg = in.current();
            if (msg == null) {
                break;
            }
            boolean done = false;
            try {
                for (int i = config().getWriteSpinCount() - 1; i >= 0; i--) {
                    if (doWriteMessage(msg, in)) {
                        done = true;
                        break;
                    }
                }
            } catch (MessageTooLargeException e) {
                maxMessagesPerWrite--;
                in.remove(e);
                continue;
            }
            if (!done) {
                break;
            }
            maxMessagesPerWrite--;
            in.remove();
        }
        if (in.isEmpty()) {
            removeAndSubmit(NioIoOps.WRITE);
        } else {
            addAndSubmit(NioIoOps.WRITE);
        }
    }

    @Override
    protected boolean doWriteMessage(Object msg, ChannelOutboundBuffer in) throws Exception {
        ByteBuf buf = (ByteBuf) msg;
        int len = buf.readableBytes();
        if (len == 0) {
            return true;
        }
        ByteBuffer nio = buf.nioBufferCount() == 1 ? buf.internalNioBuffer(buf.readerIndex(), len) : buf.nioBuffer();
        int n = javaChannel().writeMessage(nio);
        if (n > 0) {
            buf.skipBytes(n);
            return true;
        }
        return false;
    }

    @Override
    protected Object filterOutboundMessage(Object msg) {
        if (msg instanceof ByteBuf) {
            ByteBuf buf = (ByteBuf) msg;
            return buf.isDirect() ? buf : newDirectBuffer(buf);
        }
        throw new UnsupportedOperationException("unsupported message type: " + StringUtil.simpleClassName(msg)
                + " (expected: ByteBuf, one per SDU)");
    }
}
