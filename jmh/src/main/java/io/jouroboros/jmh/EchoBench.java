/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.jmh;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;
import java.util.concurrent.CompletableFuture;
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
 * Round-trip latency of a 64-byte message between two threads of one JVM,
 * both blocking: the benchmark thread writes and reads the echo, an echo
 * thread reads and writes back. Flows against the JDK's Unix-domain sockets.
 * Each round trip is two thread wake-ups, so the number is mostly the
 * kernel's; what the binding adds is the difference between the two rows.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
public class EchoBench {
    static final int SIZE = 64;

    @Param({"flows", "jdk"})
    public String transport;

    private Transport.Server server;
    private ByteChannel client;
    private Thread echo;
    private volatile Throwable echoFailure;
    private final ByteBuffer out = ByteBuffer.allocateDirect(SIZE);
    private final ByteBuffer in = ByteBuffer.allocateDirect(SIZE);

    @Setup(Level.Trial)
    public void setup() throws Exception {
        Transport t = Transport.of(transport);
        server = t.bind();
        // A flow is allocated only once the server accepts: accept aside.
        CompletableFuture<SelectableChannel> acc = CompletableFuture.supplyAsync(() -> {
            try {
                return server.accept();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        client = (ByteChannel) t.connect(server.address);
        ByteChannel peer = (ByteChannel) acc.get(10, TimeUnit.SECONDS);
        echo = new Thread(() -> echo(peer), "echo-" + transport);
        echo.setDaemon(true);
        echo.start();
        for (int i = 0; i < SIZE; i++) {
            out.put(i, (byte) i);
        }
        if (roundTrip() != SIZE - 1) {
            throw new IllegalStateException("the echo came back wrong");
        }
    }

    private void echo(ByteChannel peer) {
        ByteBuffer b = ByteBuffer.allocateDirect(SIZE);
        try (peer) {
            while (true) {
                b.clear();
                if (peer.read(b) < 0) {
                    return;
                }
                b.flip();
                while (b.hasRemaining()) {
                    peer.write(b);
                }
            }
        } catch (ClosedChannelException e) {
            // torn down
        } catch (Throwable e) {
            echoFailure = e;
        }
    }

    /** Writes 64 bytes and reads the 64 that come back. */
    @Benchmark
    public byte roundTrip() throws IOException {
        out.clear();
        while (out.hasRemaining()) {
            client.write(out);
        }
        in.clear();
        while (in.hasRemaining()) {
            if (client.read(in) < 0) {
                throw new IOException("echo ended early", echoFailure);
            }
        }
        return in.get(SIZE - 1);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        if (client != null) {
            client.close();
        }
        if (echo != null) {
            echo.join(10_000);
        }
        if (server != null) {
            server.close();
        }
        if (echoFailure != null) {
            throw new IllegalStateException("echo thread failed", echoFailure);
        }
    }
}
