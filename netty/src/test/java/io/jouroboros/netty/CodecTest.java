/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.netty;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.codec.string.StringDecoder;
import io.netty.handler.codec.string.StringEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Netty's own codecs over flows: frames that span SDUs and SDUs that hold many frames. */
class CodecTest {
    @RegisterExtension
    static final Harness h = Harness.perClass(2);

    /** Queues what reaches the end of the pipeline. */
    static final class Received<T> extends SimpleChannelInboundHandler<T> {
        final LinkedBlockingQueue<Object> got = new LinkedBlockingQueue<>();

        Received(Class<T> type) {
            super(type);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, T msg) {
            if (msg instanceof ByteBuf) {
                ByteBuf b = (ByteBuf) msg;
                byte[] a = new byte[b.readableBytes()];
                b.readBytes(a);
                got.add(a);
            } else {
                got.add(msg);
            }
        }
    }

    @Test
    void linesWithStringCodecs() throws Exception {
        String name = Harness.unique("lines");
        Channel server = h.server(NioFlowServerChannel.class, name, ch -> ch.pipeline()
                .addLast(new LineBasedFrameDecoder(100_000))
                .addLast(new StringDecoder(StandardCharsets.UTF_8))
                .addLast(new StringEncoder(StandardCharsets.UTF_8))
                .addLast(new SimpleChannelInboundHandler<String>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, String line) {
                        ctx.writeAndFlush(line.toUpperCase(Locale.ROOT) + "\n");
                    }
                }));
        try {
            Received<String> rx = new Received<>(String.class);
            Channel c = h.connect(NioFlowChannel.class, name,
                    new LineBasedFrameDecoder(100_000),
                    new StringDecoder(StandardCharsets.UTF_8),
                    new StringEncoder(StandardCharsets.UTF_8),
                    rx);
            List<String> lines = new ArrayList<>();
            Random r = new Random(3);
            for (int i = 0; i < 2000; i++) {
                // Short lines many to an SDU, and some longer than an SDU.
                int len = i % 250 == 0 ? 70_000 + r.nextInt(20_000) : r.nextInt(80);
                StringBuilder sb = new StringBuilder("line ").append(i).append(" é ");
                for (int k = 0; k < len; k++) {
                    sb.append((char) ('a' + r.nextInt(26)));
                }
                lines.add(sb.toString());
            }
            // Written as one stream cut at arbitrary places, not at line ends.
            String all = String.join("\n", lines) + "\n";
            byte[] bytes = all.getBytes(StandardCharsets.UTF_8);
            for (int off = 0; off < bytes.length;) {
                int n = Math.min(bytes.length - off, 1 + r.nextInt(3000));
                c.write(Unpooled.wrappedBuffer(bytes, off, n));
                off += n;
            }
            c.flush();
            for (int i = 0; i < lines.size(); i++) {
                assertEquals(lines.get(i).toUpperCase(Locale.ROOT), rx.got.poll(30, TimeUnit.SECONDS), "line " + i);
            }
            c.close().sync();
        } finally {
            server.close().sync();
        }
    }

    @Test
    void lengthFieldFrames() throws Exception {
        String name = Harness.unique("frames");
        Channel server = h.server(NioFlowServerChannel.class, name, ch -> ch.pipeline()
                .addLast(new LengthFieldBasedFrameDecoder(1 << 20, 0, 4, 0, 4))
                .addLast(new LengthFieldPrepender(4))
                .addLast(Harness.Echo.INSTANCE));
        try {
            Received<ByteBuf> rx = new Received<>(ByteBuf.class);
            Channel c = h.connect(NioFlowChannel.class, name,
                    new LengthFieldBasedFrameDecoder(1 << 20, 0, 4, 0, 4),
                    new LengthFieldPrepender(4),
                    rx);
            List<byte[]> frames = new ArrayList<>();
            Random r = new Random(5);
            for (int i = 0; i < 600; i++) {
                int n = i % 50 == 0 ? 65_536 + r.nextInt(200_000) : r.nextInt(i % 7 == 0 ? 5000 : 60);
                byte[] f = Harness.random(n, i);
                frames.add(f);
                c.write(Unpooled.wrappedBuffer(f));
                if (r.nextInt(8) == 0) {
                    c.flush();
                }
            }
            c.flush();
            for (int i = 0; i < frames.size(); i++) {
                assertArrayEquals(frames.get(i), (byte[]) rx.got.poll(30, TimeUnit.SECONDS), "frame " + i);
            }
            c.close().sync();
        } finally {
            server.close().sync();
        }
    }

    @Test
    void stringCodecsOnTheMessageChannel() throws Exception {
        // One string per SDU: no frame decoder needed.
        String name = Harness.unique("sdu-strings");
        Channel server = h.server(NioFlowMessageServerChannel.class, name, ch -> ch.pipeline()
                .addLast(new StringDecoder(StandardCharsets.UTF_8))
                .addLast(new StringEncoder(StandardCharsets.UTF_8))
                .addLast(new SimpleChannelInboundHandler<String>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, String s) {
                        ctx.writeAndFlush("<" + s + ">");
                    }
                }));
        try {
            Received<String> rx = new Received<>(String.class);
            Channel c = h.connect(NioFlowMessageChannel.class, name,
                    new StringDecoder(StandardCharsets.UTF_8),
                    new StringEncoder(StandardCharsets.UTF_8),
                    rx);
            for (int i = 0; i < 500; i++) {
                c.write("message " + i);
            }
            c.flush();
            for (int i = 0; i < 500; i++) {
                assertEquals("<message " + i + ">", rx.got.poll(30, TimeUnit.SECONDS));
            }
            c.close().sync();
        } finally {
            server.close().sync();
        }
    }
}
