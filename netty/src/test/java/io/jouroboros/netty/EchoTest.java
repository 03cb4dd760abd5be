/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.netty;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jouroboros.Layer;
import io.jouroboros.MessageTooLargeException;
import io.jouroboros.Ouroboros;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Echo through Netty over flows: byte streams of 1 B to 4 MiB, and SDUs kept whole. */
class EchoTest {
    @RegisterExtension
    static final Harness h = Harness.perClass(2);

    @Test
    void runsOnTheLayerTheRunAsks() throws Exception {
        String asked = System.getProperty("jouroboros.layer");
        if ("system".equals(asked)) {
            assertEquals(Layer.SYSTEM, Ouroboros.layer());
        } else if ("embedded".equals(asked)) {
            assertEquals(Layer.EMBEDDED, Ouroboros.layer());
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 1500, 65535, 65536, 65537, 1 << 20, 4 << 20})
    void byteStreamEchoes(int size) throws Exception {
        String name = Harness.unique("echo");
        Channel server = h.echoServer(NioFlowServerChannel.class, name);
        try {
            Harness.Collect collect = new Harness.Collect(size);
            Channel c = h.connect(NioFlowChannel.class, name, collect);
            try {
                assertInstanceOf(NioFlowChannel.class, c);
                assertTrue(c.isActive());
                byte[] data = Harness.random(size, size);
                c.writeAndFlush(Unpooled.wrappedBuffer(data)).sync();
                assertArrayEquals(data, collect.done.get(60, TimeUnit.SECONDS));
            } finally {
                c.close().sync();
            }
        } finally {
            server.close().sync();
        }
    }

    @Test
    void byteStreamEchoesManySmallWrites() throws Exception {
        String name = Harness.unique("echo-small");
        Channel server = h.echoServer(NioFlowServerChannel.class, name);
        try {
            int writes = 5000;
            int each = 37;
            Harness.Collect collect = new Harness.Collect(writes * each);
            Channel c = h.connect(NioFlowChannel.class, name, collect);
            byte[] data = Harness.random(writes * each, 42);
            for (int i = 0; i < writes; i++) {
                c.write(Unpooled.wrappedBuffer(data, i * each, each));
                if (i % 100 == 99) {
                    c.flush();
                }
            }
            c.flush();
            assertArrayEquals(data, collect.done.get(60, TimeUnit.SECONDS));
            c.close().sync();
        } finally {
            server.close().sync();
        }
    }

    @Test
    void fileRegionGoesOut() throws Exception {
        String name = Harness.unique("echo-file");
        Channel server = h.echoServer(NioFlowServerChannel.class, name);
        java.nio.file.Path file = java.nio.file.Files.createTempFile("jouroboros-netty", ".bin");
        try {
            byte[] data = Harness.random(300_000, 9);
            java.nio.file.Files.write(file, data);
            Harness.Collect collect = new Harness.Collect(data.length);
            Channel c = h.connect(NioFlowChannel.class, name, collect);
            c.writeAndFlush(new io.netty.channel.DefaultFileRegion(file.toFile(), 0, data.length)).sync();
            assertArrayEquals(data, collect.done.get(30, TimeUnit.SECONDS));
            c.close().sync();
        } finally {
            java.nio.file.Files.deleteIfExists(file);
            server.close().sync();
        }
    }

    /** Receives SDUs into a queue, as copies (so nothing is held). */
    static final class Sdus extends SimpleChannelInboundHandler<ByteBuf> {
        final LinkedBlockingQueue<byte[]> got = new LinkedBlockingQueue<>();

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
            byte[] b = new byte[msg.readableBytes()];
            msg.readBytes(b);
            got.add(b);
        }
    }

    @Test
    void messageChannelKeepsSduBoundaries() throws Exception {
        String name = Harness.unique("echo-sdu");
        Channel server = h.echoServer(NioFlowMessageServerChannel.class, name);
        try {
            Sdus sdus = new Sdus();
            Channel c = h.connect(NioFlowMessageChannel.class, name, sdus);
            int max = Ouroboros.maxSdu();
            List<byte[]> sent = new ArrayList<>();
            Random r = new Random(7);
            int[] fixed = {1, 2, 3, 100, 1500, 4096, max - 1, max, 1, max};
            for (int i = 0; i < 400; i++) {
                int n = i < fixed.length ? fixed[i] : 1 + r.nextInt(i % 10 == 0 ? max : 2000);
                byte[] b = Harness.random(n, i);
                sent.add(b);
                c.write(Unpooled.wrappedBuffer(b));
                if (i % 16 == 15) {
                    c.flush();
                }
            }
            c.flush();
            for (int i = 0; i < sent.size(); i++) {
                byte[] b = sdus.got.poll(30, TimeUnit.SECONDS);
                assertArrayEquals(sent.get(i), b, "SDU " + i + " of " + sent.get(i).length + " bytes");
            }
            c.close().sync();
        } finally {
            server.close().sync();
        }
    }

    @Test
    void messageLargerThanAnSduFailsItsWriteOnly() throws Exception {
        String name = Harness.unique("echo-big");
        Channel server = h.echoServer(NioFlowMessageServerChannel.class, name);
        try {
            Sdus sdus = new Sdus();
            Channel c = h.connect(NioFlowMessageChannel.class, name, sdus);
            ChannelFuture big = c.writeAndFlush(Unpooled.wrappedBuffer(new byte[Ouroboros.maxSdu() + 1])).await();
            assertInstanceOf(MessageTooLargeException.class, big.cause());
            assertTrue(c.isActive(), "the channel goes on");
            c.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {1, 2, 3})).sync();
            assertArrayEquals(new byte[] {1, 2, 3}, sdus.got.poll(30, TimeUnit.SECONDS));
            c.close().sync();
        } finally {
            server.close().sync();
        }
    }
}
