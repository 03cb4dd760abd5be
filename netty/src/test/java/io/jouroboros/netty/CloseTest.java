/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.netty;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jouroboros.FlowServerChannel;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Closing from either end, from inside the event loop (a handler) and from
 * outside it (another thread): the other end sees its channel go inactive
 * after everything written before the close, and both flows are closed.
 */
class CloseTest {
    @RegisterExtension
    static final Harness h = Harness.perClass(2);

    /** Echoes, keeps the accepted child, and closes it once it echoed {@code closeAfter} bytes (0: never). */
    static final class Child extends ChannelInboundHandlerAdapter {
        final CompletableFuture<Channel> channel = new CompletableFuture<>();
        final int closeAfter;
        private int seen;

        Child(int closeAfter) {
            this.closeAfter = closeAfter;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            channel.complete(ctx.channel());
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            seen += ((io.netty.buffer.ByteBuf) msg).readableBytes();
            if (closeAfter > 0 && seen == closeAfter) {
                // Inside the event loop: echo the last bytes, then close once they are written.
                ctx.writeAndFlush(msg).addListener(ChannelFutureListener.CLOSE);
            } else {
                ctx.writeAndFlush(msg);
            }
        }
    }

    @ParameterizedTest(name = "{0} closes, {1}")
    @CsvSource({"client, inside", "client, outside", "server, inside", "server, outside"})
    void closeReachesThePeer(String side, String where) throws Exception {
        boolean inside = where.equals("inside");
        boolean serverCloses = side.equals("server");
        String name = Harness.unique("close");
        byte[] data = Harness.random(100_000, 1);
        Child child = new Child(serverCloses && inside ? data.length : 0);
        Channel server = h.server(NioFlowServerChannel.class, name, ch -> ch.pipeline().addLast(child));
        try {
            Harness.Collect collect = new Harness.Collect(data.length) {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    super.channelRead(ctx, msg);
                    if (!serverCloses && inside && done.isDone()) {
                        ctx.close(); // inside the event loop, on the client
                    }
                }
            };
            Channel c = h.connect(NioFlowChannel.class, name, collect);
            Channel s = child.channel.get(10, TimeUnit.SECONDS);
            c.writeAndFlush(Unpooled.wrappedBuffer(data)).sync();
            assertArrayEquals(data, collect.done.get(30, TimeUnit.SECONDS));
            if (!inside) {
                // Outside: from this thread, neither event loop's.
                assertFalse(c.eventLoop().inEventLoop() || s.eventLoop().inEventLoop());
                (serverCloses ? s : c).close().sync();
            }
            Channel peer = serverCloses ? c : s;
            assertTrue(peer.closeFuture().await(10, TimeUnit.SECONDS), "the peer saw no close");
            assertTrue((serverCloses ? s : c).closeFuture().await(10, TimeUnit.SECONDS));
            assertFalse(c.isOpen());
            assertFalse(s.isOpen());
            ChannelFuture late = c.writeAndFlush(Unpooled.wrappedBuffer(new byte[1])).await();
            assertInstanceOf(ClosedChannelException.class, late.cause());
        } finally {
            server.close().sync();
        }
    }

    @Test
    void dataWrittenBeforeCloseArrives() throws Exception {
        String name = Harness.unique("close-last");
        byte[] data = Harness.random(300_000, 2);
        Harness.Collect collect = new Harness.Collect(data.length);
        Channel server = h.server(NioFlowServerChannel.class, name, ch -> ch.pipeline().addLast(collect));
        try {
            Channel c = h.client(NioFlowChannel.class, ch -> { })
                    .connect(new FlowAddress(name)).sync().channel();
            c.writeAndFlush(Unpooled.wrappedBuffer(data)).addListener(ChannelFutureListener.CLOSE);
            assertArrayEquals(data, collect.done.get(30, TimeUnit.SECONDS));
        } finally {
            server.close().sync();
        }
    }

    @Test
    void closingAPendingConnectFailsIt() throws Exception {
        String name = Harness.unique("never-accepts");
        // Bound, never accepting: the allocation stays pending.
        try (FlowServerChannel mute = FlowServerChannel.open().bind(name)) {
            ChannelFuture f = h.client(NioFlowChannel.class, ch -> { })
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 0)
                    .connect(new FlowAddress(name));
            Thread.sleep(200);
            assertFalse(f.isDone(), "the connect did not stay pending: " + f.cause());
            f.channel().close().sync();
            assertTrue(f.await(10, TimeUnit.SECONDS));
            assertFalse(f.isSuccess());
            assertFalse(f.channel().isOpen());
        }
    }

    @Test
    void serverCloseUnbindsTheName() throws Exception {
        String name = Harness.unique("unbind");
        Channel server = h.server(NioFlowServerChannel.class, name, ch -> { });
        server.close().sync();
        ChannelFuture f = h.client(NioFlowChannel.class, ch -> { }).connect(new FlowAddress(name)).await();
        assertInstanceOf(io.jouroboros.UnknownNameException.class, f.cause());
    }

    @Test
    void shuttingDownTheLoopsClosesTheChannels() throws Exception {
        Harness own = new Harness(1);
        String name = Harness.unique("shutdown");
        Channel server = own.server(NioFlowServerChannel.class, name, ch -> { });
        Channel c = own.client(NioFlowChannel.class, ch -> { }).connect(new FlowAddress(name)).sync().channel();
        own.close(500); // a quiet period: see Harness.close(long)
        assertFalse(c.isOpen());
        assertFalse(server.isOpen());
    }
}
