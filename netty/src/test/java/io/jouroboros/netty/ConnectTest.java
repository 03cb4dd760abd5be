/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jouroboros.FlowServerChannel;
import io.jouroboros.QoSSpec;
import io.jouroboros.UnknownNameException;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.net.InetSocketAddress;
import java.nio.channels.IllegalSelectorException;
import java.nio.channels.UnsupportedAddressTypeException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Connecting: names nobody binds, timeouts, QoS, addresses, the wrong event loop. */
class ConnectTest {
    @RegisterExtension
    static final Harness h = Harness.perClass(2);

    @ParameterizedTest
    @ValueSource(strings = {"NioFlowChannel", "NioFlowMessageChannel"})
    void unboundNameFailsTheConnectFuture(String kind) throws Exception {
        Class<? extends Channel> type = kind.equals("NioFlowChannel") ? NioFlowChannel.class
                : NioFlowMessageChannel.class;
        ChannelFuture f = h.client(type, ch -> { }).connect(new FlowAddress(Harness.unique("nobody"))).await();
        assertTrue(f.isDone());
        UnknownNameException e = assertInstanceOf(UnknownNameException.class, f.cause());
        assertTrue(e.code() > 0);
        assertTrue(f.channel().closeFuture().await(10, TimeUnit.SECONDS));
        assertFalse(f.channel().isOpen());
    }

    @Test
    void connectTimeoutClosesTheChannel() throws Exception {
        String name = Harness.unique("mute");
        try (FlowServerChannel mute = FlowServerChannel.open().bind(name)) {
            long t0 = System.nanoTime();
            ChannelFuture f = h.client(NioFlowChannel.class, ch -> { })
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 300)
                    .connect(new FlowAddress(name)).await();
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertInstanceOf(ConnectTimeoutException.class, f.cause());
            assertTrue(ms >= 250 && ms < 10_000, "timed out after " + ms + " ms");
            assertTrue(f.channel().closeFuture().await(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void qosFromTheOptionAndFromTheAddress() throws Exception {
        String name = Harness.unique("qos");
        CompletableFuture<QoSSpec> accepted = new CompletableFuture<>();
        Channel server = h.server(NioFlowServerChannel.class, name,
                ch -> accepted.complete(((FlowChannel) ch).qos()));
        try {
            QoSSpec voice = QoSSpec.voice();
            FlowChannel c = (FlowChannel) h.client(NioFlowChannel.class, ch -> { })
                    .option(FlowChannelOption.QOS, voice)
                    .connect(new FlowAddress(name)).sync().channel();
            assertEquals(voice, c.config().getOption(FlowChannelOption.QOS));
            assertEquals(c.qos().inOrder(), accepted.get(10, TimeUnit.SECONDS).inOrder());
            assertEquals(voice.delay(), accepted.get().delay());
            assertEquals(voice.inOrder(), c.qos().inOrder());
            c.close().sync();

            CompletableFuture<QoSSpec> second = new CompletableFuture<>();
            server.close().sync();
            server = h.server(NioFlowServerChannel.class, name, ch -> second.complete(((FlowChannel) ch).qos()));
            QoSSpec data = QoSSpec.data().toBuilder().timeout(Duration.ofSeconds(3)).build();
            c = (FlowChannel) h.client(NioFlowChannel.class, ch -> { })
                    .connect(new FlowAddress(name, data)).sync().channel();
            assertEquals(data.delay(), second.get(10, TimeUnit.SECONDS).delay());
            assertEquals(data.timeout(), second.get().timeout());
            assertEquals(name, c.remoteAddress().name());
            assertNotNull(c.remoteAddress().qos());
            c.close().sync();
        } finally {
            server.close().sync();
        }
    }

    @Test
    void addresses() throws Exception {
        String name = Harness.unique("addr");
        CompletableFuture<FlowChannel> child = new CompletableFuture<>();
        Channel server = h.server(NioFlowServerChannel.class, name, ch -> child.complete((FlowChannel) ch));
        try {
            assertEquals(new FlowAddress(name), server.localAddress());
            assertNull(server.remoteAddress());
            FlowChannel c = (FlowChannel) h.client(NioFlowChannel.class, ch -> { })
                    .connect(new FlowAddress(name)).sync().channel();
            assertEquals(name, c.remoteAddress().name());
            assertNull(c.localAddress());
            FlowChannel s = child.get(10, TimeUnit.SECONDS);
            assertEquals(new FlowAddress(name), s.localAddress());
            assertNull(s.remoteAddress());
            assertEquals(server, s.parent());
            c.close().sync();
        } finally {
            server.close().sync();
        }
    }

    @Test
    void badAddresses() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> new FlowAddress(""));
        assertThrows(IllegalArgumentException.class, () -> new FlowAddress("a\0b"));
        assertThrows(IllegalArgumentException.class, () -> new FlowAddress("x".repeat(256)));
        ChannelFuture f = h.client(NioFlowChannel.class, ch -> { })
                .connect(new InetSocketAddress("127.0.0.1", 7)).await();
        assertInstanceOf(UnsupportedAddressTypeException.class, f.cause());
        ChannelFuture b = h.client(NioFlowChannel.class, ch -> { })
                .connect(new FlowAddress("x"), new FlowAddress("y")).await();
        assertInstanceOf(UnsupportedOperationException.class, b.cause());
        assertFalse(b.channel().isOpen());
    }

    @Test
    void aLoopOfTheJdkProviderRefusesFlows() throws Exception {
        EventLoopGroup jdk = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            ChannelFuture f = new Bootstrap().group(jdk).channel(NioFlowChannel.class)
                    .handler(new io.netty.channel.ChannelInboundHandlerAdapter())
                    .register().await();
            assertInstanceOf(IllegalSelectorException.class, f.cause());
            assertFalse(f.channel().isOpen());
        } finally {
            jdk.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}
