/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.netty;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A fast writer and a slow reader: the writer's channel turns unwritable
 * when the flow takes no more, {@code channelWritabilityChanged} says so and
 * says when it may go on, and the writer, writing only while
 * {@code isWritable()}, never queues much more than the high-water mark.
 */
class BackpressureTest {
    private static final int TOTAL = 6 << 20;
    private static final int CHUNK = 8 * 1024;
    private static final int HIGH = 64 * 1024;

    /** Writes TOTAL bytes in chunks, only while the channel is writable. */
    static final class Producer extends ChannelInboundHandlerAdapter {
        final byte[] data;
        final AtomicInteger unwritable = new AtomicInteger();
        final AtomicInteger writableAgain = new AtomicInteger();
        final AtomicLong maxQueued = new AtomicLong();
        final CompletableFuture<Void> done = new CompletableFuture<>();
        private int sent;

        Producer(byte[] data) {
            this.data = data;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            pump(ctx);
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable()) {
                writableAgain.incrementAndGet();
                pump(ctx);
            } else {
                unwritable.incrementAndGet();
            }
            ctx.fireChannelWritabilityChanged();
        }

        private void pump(ChannelHandlerContext ctx) {
            Channel ch = ctx.channel();
            while (ch.isWritable() && sent < data.length) {
                int n = Math.min(CHUNK, data.length - sent);
                ctx.write(Unpooled.wrappedBuffer(data, sent, n)).addListener(f -> {
                    if (!f.isSuccess()) {
                        done.completeExceptionally(f.cause());
                    }
                });
                sent += n;
                long queued = ch.unsafe().outboundBuffer() == null ? 0 : ch.unsafe().outboundBuffer().totalPendingWriteBytes();
                maxQueued.accumulateAndGet(queued, Math::max);
            }
            ctx.flush();
            if (sent == data.length) {
                done.complete(null);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            done.completeExceptionally(cause);
        }
    }

    /** Reads a little at a time, one read every millisecond, with auto-read off. */
    static final class SlowReader extends Harness.Collect {
        SlowReader(int expected) {
            super(expected);
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.read();
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.executor().schedule(() -> {
                ctx.read();
            }, 1, TimeUnit.MILLISECONDS);
        }
    }

    @ParameterizedTest(name = "server writes, {0} reads slowly")
    @ValueSource(strings = {"NioFlowChannel", "NioFlowMessageChannel"})
    void writerSeesWritabilityChanges(String kind) throws Exception {
        boolean messages = kind.equals("NioFlowMessageChannel");
        byte[] data = Harness.random(TOTAL, 11);
        try (Harness h = new Harness(2)) {
            String name = Harness.unique("slow");
            Producer producer = new Producer(data);
            Channel server = new io.netty.bootstrap.ServerBootstrap().group(h.group())
                    .channel(messages ? NioFlowMessageServerChannel.class : NioFlowServerChannel.class)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(HIGH / 2, HIGH))
                    .childHandler(producer)
                    .bind(new FlowAddress(name)).sync().channel();
            try {
                SlowReader reader = new SlowReader(TOTAL);
                Channel c = h.client(messages ? NioFlowMessageChannel.class : NioFlowChannel.class,
                        ch -> ch.pipeline().addLast(reader))
                        .option(ChannelOption.AUTO_READ, false)
                        .option(ChannelOption.MAX_MESSAGES_PER_READ, 1)
                        .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(16 * 1024))
                        .connect(new FlowAddress(name)).sync().channel();
                assertArrayEquals(data, reader.done.get(90, TimeUnit.SECONDS));
                producer.done.get(10, TimeUnit.SECONDS);
                assertTrue(producer.unwritable.get() > 0, "the writer's channel never turned unwritable");
                assertTrue(producer.writableAgain.get() > 0, "the writer was never told it may go on");
                assertTrue(producer.maxQueued.get() <= HIGH + CHUNK,
                        "queued " + producer.maxQueued.get() + " bytes, past the high-water mark " + HIGH);
                c.close().sync();
            } finally {
                server.close().sync();
            }
        }
    }
}
