/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.jmh;

import io.jouroboros.FlowSelectorProvider;
import io.jouroboros.Ouroboros;
import io.jouroboros.QoSSpec;
import io.jouroboros.netty.FlowAddress;
import io.jouroboros.netty.NioFlowChannel;
import io.jouroboros.netty.NioFlowServerChannel;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Netty echo round trip: the benchmark thread hands a message of
 * {@code size} bytes to a Netty client channel, Netty's echo handler on the
 * server child writes it back, and the benchmark thread waits until all of
 * it is back. {@code flows}: the jOuroboros transport ({@link NioFlowChannel}
 * on the flows' selector provider, the layer the library chooses);
 * {@code uds}: Netty's own NIO transport over Unix-domain sockets
 * ({@link NioDomainSocketChannel}, JDK 16+). Both ends of both transports
 * run on one event loop, so each round trip is the same two thread
 * hand-offs (benchmark thread to loop and back) plus the transport's work;
 * the ratio of the rows is what the flows cost against Netty's sockets.
 * {@link #burst()} sends {@value #BURST} messages before waiting, so the
 * hand-offs weigh less.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g", "-Dio.netty.leakDetection.level=disabled"})
public class NettyEchoBench {
    static final int BURST = 64;

    @Param({"flows", "uds"})
    public String transport;

    @Param({"64", "16384"})
    public int size;

    private EventLoopGroup group;
    private Channel server;
    private Channel client;
    private Path socketDir;
    private ByteBuf message;
    private final Semaphore back = new Semaphore(0);
    private volatile Throwable failure;

    /** Netty's echo server handler. */
    @ChannelHandler.Sharable
    static final class Echo extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }
    }

    /** Counts the bytes that come back; releases the benchmark thread when a whole message is in. */
    final class Counter extends ChannelInboundHandlerAdapter {
        private int got;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            got += ((ByteBuf) msg).readableBytes();
            ReferenceCountUtil.release(msg);
            while (got >= size) {
                got -= size;
                back.release();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            failure = cause;
            back.release();
        }
    }

    @Setup(Level.Trial)
    public void setup() throws Exception {
        boolean flows = transport.equals("flows");
        group = new MultiThreadIoEventLoopGroup(1, flows ? NioIoHandler.newFactory(FlowSelectorProvider.provider())
                : NioIoHandler.newFactory());
        SocketAddress address;
        if (flows) {
            System.out.println("jOuroboros layer: " + Ouroboros.layer());
            // No keep-alive, as the other benchmarks (Transport.NO_KEEPALIVE).
            address = new FlowAddress("jmh-netty-" + ProcessHandle.current().pid(),
                    QoSSpec.builder().timeout(Duration.ZERO).build());
        } else {
            socketDir = Files.createTempDirectory("jouroboros-jmh-netty");
            address = UnixDomainSocketAddress.of(socketDir.resolve("s"));
        }
        server = new ServerBootstrap().group(group)
                .channel(flows ? NioFlowServerChannel.class : NioServerDomainSocketChannel.class)
                .childHandler(new Echo())
                .bind(address).sync().channel();
        client = new Bootstrap().group(group)
                .channel(flows ? NioFlowChannel.class : NioDomainSocketChannel.class)
                .handler(new Counter())
                .connect(address).sync().channel();
        message = ByteBufAllocator.DEFAULT.directBuffer(size);
        for (int i = 0; i < size; i++) {
            message.writeByte(i);
        }
        roundTrip();
    }

    /** One message out and back. */
    @Benchmark
    public void roundTrip() throws Exception {
        client.writeAndFlush(message.retainedDuplicate());
        if (!back.tryAcquire(10, TimeUnit.SECONDS) || failure != null) {
            throw new IOException("the echo did not come back", failure);
        }
    }

    /**
     * {@value #BURST} messages written and flushed at once, then all of them
     * back: the wake-ups are shared by the burst, so this is closer to what
     * the transport itself costs per message (score per burst).
     */
    @Benchmark
    public void burst() throws Exception {
        for (int i = 0; i < BURST; i++) {
            client.write(message.retainedDuplicate());
        }
        client.flush();
        if (!back.tryAcquire(BURST, 10, TimeUnit.SECONDS) || failure != null) {
            throw new IOException("the echo did not come back", failure);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        if (client != null) {
            client.close().sync();
        }
        if (server != null) {
            server.close().sync();
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
        if (message != null) {
            message.release();
        }
        if (socketDir != null) {
            Files.deleteIfExists(socketDir.resolve("s"));
            Files.deleteIfExists(socketDir);
        }
    }
}
