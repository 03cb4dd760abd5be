/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Data through a flow to a second JVM and back. */
@ExtendWith(HelperThread.Check.class)
class EchoTest {
    private static final String NAME = "echo-test-" + ProcessHandle.current().pid();
    private static final String MSG_NAME = NAME + "-msg";
    private static PeerProcess stream;
    private static PeerProcess messages;

    @BeforeAll
    static void startPeers() throws Exception {
        stream = PeerProcess.start("echo-server", NAME);
        messages = PeerProcess.start("message-echo-server", MSG_NAME);
        stream.expect("READY");
        messages.expect("READY");
    }

    @AfterAll
    static void stopPeers() throws Exception {
        try (PeerProcess s = stream; PeerProcess m = messages) {
            // closed, even when @BeforeAll started only one
        }
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 1024, 4 * 1024 * 1024})
    void streamEcho(int size) throws Exception {
        byte[] data = random(size, size);
        try (Flow f = Flow.open(NAME);
                HelperThread<Void> writer = HelperThread.start("writer", () -> {
                    assertEquals(size, f.write(ByteBuffer.wrap(data)));
                })) {
            ByteBuffer got = ByteBuffer.allocate(size);
            while (got.hasRemaining()) {
                int n = f.read(got);
                assertTrue(n > 0, "blocking read returned " + n);
            }
            writer.join();
            assertArrayEquals(data, got.array());
        }
    }

    @Test
    void directBufferStreamEcho() throws Exception {
        byte[] data = random(300_000, 7);
        ByteBuffer out = ByteBuffer.allocateDirect(data.length).put(data).flip();
        try (Flow f = Flow.open(NAME);
                HelperThread<Void> writer = HelperThread.start("writer", () -> {
                    f.write(out);
                })) {
            ByteBuffer got = ByteBuffer.allocateDirect(data.length);
            while (got.hasRemaining()) {
                assertTrue(f.read(got) > 0);
            }
            writer.join();
            byte[] back = new byte[data.length];
            got.flip().get(back);
            assertArrayEquals(data, back);
        }
    }

    @Test
    void messageViewKeepsBoundaries() throws Exception {
        Random r = new Random(42);
        int max = Ouroboros.maxSdu();
        try (Flow f = Flow.open(MSG_NAME)) {
            ByteBuffer in = ByteBuffer.allocate(max);
            for (int i = 0; i < 1000; i++) {
                int size = switch (i % 4) {
                    case 0 -> 1 + r.nextInt(16);
                    case 1 -> 1 + r.nextInt(2000);
                    case 2 -> 1 + r.nextInt(max);
                    default -> max;
                };
                byte[] sdu = random(size, i);
                assertEquals(size, f.writeMessage(ByteBuffer.wrap(sdu)));
                in.clear();
                int n = f.readMessage(in);
                assertEquals(size, n, "SDU " + i);
                assertArrayEquals(sdu, java.util.Arrays.copyOf(in.array(), n));
                if (n == in.capacity()) {
                    // Exactly filled: the end-of-SDU marker follows.
                    in.clear();
                    assertEquals(0, f.readMessage(in));
                }
            }
        }
    }

    @Test
    void partialReadsLoseNothing() throws Exception {
        byte[] sdu = random(1000, 3);
        try (Flow f = Flow.open(MSG_NAME)) {
            f.writeMessage(ByteBuffer.wrap(sdu));
            f.writeMessage(ByteBuffer.wrap(new byte[] {1, 2, 3}));
            ByteBuffer small = ByteBuffer.allocate(100);
            ByteBuffer all = ByteBuffer.allocate(1000);
            for (int i = 0; i < 10; i++) {
                small.clear();
                assertEquals(100, f.readMessage(small), "part " + i);
                all.put(small.flip());
            }
            small.clear();
            assertEquals(0, f.readMessage(small), "end-of-SDU marker after an exact fill");
            assertArrayEquals(sdu, all.array());
            small.clear();
            assertEquals(3, f.readMessage(small));
        }
    }

    @Test
    void inputAndOutputStreams() throws Exception {
        try (Flow f = Flow.open(NAME)) {
            // One thread: the JDK's channel streams share the channel's
            // blocking lock, so a reader blocks a writer (as for sockets).
            OutputStream out = Channels.newOutputStream(f);
            InputStream in = Channels.newInputStream(f);
            for (int round = 0; round < 20; round++) {
                byte[] data = random(100_000, round);
                out.write(data);
                out.flush();
                assertArrayEquals(data, in.readNBytes(data.length), "round " + round);
            }
        }
    }

    @Test
    void readerAndWriterLines() throws Exception {
        try (Flow f = Flow.open(NAME)) {
            PrintWriter w = new PrintWriter(Channels.newWriter(f, StandardCharsets.UTF_8), true);
            BufferedReader r = new BufferedReader(Channels.newReader(f, StandardCharsets.UTF_8));
            for (String line : new String[] {"Hello, jOuroboros!", "ünïcödé ✓", "x".repeat(100_000)}) {
                w.println(line);
                assertEquals(line, r.readLine());
            }
        }
    }

    @Test
    void qosAskedIsQosSeenOnBothSides() throws Exception {
        QoSSpec asked = QoSSpec.builder().delay(Duration.ofMillis(123)).bandwidth(456_789)
                .availability(4).loss(7).ber(0).inOrder(true).maxGap(Duration.ofMillis(321))
                .timeout(Duration.ofSeconds(9)).build();
        String name = NAME + "-qos";
        try (PeerProcess peer = PeerProcess.start("echo-server", name)) {
            peer.expect("READY");
            for (QoSSpec q : new QoSSpec[] {asked, QoSSpec.video(), QoSSpec.voice(), QoSSpec.data(),
                QoSSpec.raw(), QoSSpec.rawNoErrors(), QoSSpec.bestEffort()}) {
                try (Flow f = Flow.open(name, q, Duration.ofSeconds(30))) {
                    // Ouroboros 0.23, built with its default QOS_DISABLE_CRC,
                    // gives every flow ber = 1 whatever was asked: both sides
                    // say what the flow has. The embedded layer carries it.
                    QoSSpec seen = Ouroboros.layer() == Layer.SYSTEM ? q.toBuilder().ber(1).build() : q;
                    assertEquals(seen, f.qos(), "the client's qos()");
                    assertEquals("ACCEPTED " + seen, peer.expect("ACCEPTED"), "the acceptor's qos()");
                }
            }
        }
    }
}
