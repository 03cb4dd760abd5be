/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.netty;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.EventExecutor;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Event loops, servers, clients and handlers the tests share. A test class
 * shares one for all its tests through a static field:
 * {@code @RegisterExtension static final Harness h = Harness.perClass(2);}.
 */
final class Harness implements AutoCloseable, BeforeAllCallback, AfterAllCallback {
    private static final AtomicInteger SEQ = new AtomicInteger();

    private final int loops;
    private volatile EventLoopGroup group;

    /** Starts {@code loops} event loops now; {@link #close()} stops them. */
    Harness(int loops) {
        this(loops, FlowEventLoops.newGroup(loops));
    }

    private Harness(int loops, EventLoopGroup group) {
        this.loops = loops;
        this.group = group;
    }

    /**
     * A harness for a test class's static {@code @RegisterExtension} field:
     * its loops start before the class's first test and stop after its last,
     * and do not start at all when the class is skipped.
     */
    static Harness perClass(int loops) {
        return new Harness(loops, null);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        group = FlowEventLoops.newGroup(loops);
    }

    @Override
    public void afterAll(ExtensionContext context) throws InterruptedException {
        close();
    }

    EventLoopGroup group() {
        return group;
    }

    /** A name no other test (or test run) uses. */
    static String unique(String prefix) {
        return "netty-" + prefix + "-" + ProcessHandle.current().pid() + "-" + SEQ.incrementAndGet() + "-"
                + Long.toHexString(System.nanoTime());
    }

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Binds a server on this group whose children get {@code child}'s handlers. */
    Channel server(Class<? extends ServerChannel> type, String name, Consumer<Channel> child)
            throws InterruptedException {
        return new ServerBootstrap().group(group).channel(type)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        child.accept(ch);
                    }
                })
                .bind(new FlowAddress(name)).sync().channel();
    }

    /** Binds a server whose children echo what they read. */
    Channel echoServer(Class<? extends ServerChannel> type, String name) throws InterruptedException {
        return server(type, name, ch -> ch.pipeline().addLast(Echo.INSTANCE));
    }

    /** Connects a client channel to {@code name} with {@code handlers} (one channel's own) in its pipeline. */
    Channel connect(Class<? extends Channel> type, String name, ChannelHandler... handlers)
            throws InterruptedException {
        return client(type, ch -> ch.pipeline().addLast(handlers)).connect(new FlowAddress(name)).sync().channel();
    }

    /** A client bootstrap on this group. */
    Bootstrap client(Class<? extends Channel> type, Consumer<Channel> init) {
        return new Bootstrap().group(group).channel(type)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        init.accept(ch);
                    }
                });
    }

    /** Netty's echo server handler: writes back what it reads, flushes at the end of each read. */
    @ChannelHandler.Sharable
    static final class Echo extends ChannelInboundHandlerAdapter {
        static final Echo INSTANCE = new Echo();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** Collects {@code expected} bytes and completes with them; fails on an error or an early close. */
    static class Collect extends ChannelInboundHandlerAdapter {
        final CompletableFuture<byte[]> done = new CompletableFuture<>();
        private final byte[] got;
        private int n;

        Collect(int expected) {
            got = new byte[expected];
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                ByteBuf b = (ByteBuf) msg;
                int k = b.readableBytes();
                if (n + k > got.length) {
                    done.completeExceptionally(new AssertionError("more than " + got.length + " bytes"));
                    return;
                }
                b.readBytes(got, n, k);
                n += k;
                if (n == got.length) {
                    done.complete(got);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            done.completeExceptionally(new AssertionError("closed after " + n + " of " + got.length + " bytes"));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            done.completeExceptionally(cause);
            ctx.close();
        }
    }

    @Override
    public void close() throws InterruptedException {
        close(0);
    }

    /**
     * Stops the loops after {@code quietMillis} without new tasks. With 0, Netty 4.2's loop can end without
     * closing its channels: a shutdown that lands between its "shutting down?" check and its confirmation
     * skips the close of every channel (seen with the JDK's own NIO channels too, 2 runs of 400). With a
     * quiet period, a loop that ran a task within it goes round once more and closes them; I/O alone does
     * not count as a task, so each loop runs an empty one first.
     */
    void close(long quietMillis) throws InterruptedException {
        EventLoopGroup group = this.group;
        if (group != null && quietMillis > 0) {
            for (EventExecutor e : group) {
                e.submit(() -> { }).sync();
            }
        }
        if (group != null
                && !group.shutdownGracefully(quietMillis, 5_000, TimeUnit.MILLISECONDS).await(30, TimeUnit.SECONDS)) {
            throw new AssertionError("event loops did not stop in 30 s");
        }
    }
}
