/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.jmh;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
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
 * Round trip of {@code size} bytes, blocking, direct buffers: the benchmark
 * thread writes them and reads them back from an echo in another thread of
 * this JVM ({@code peer=thread}) or in another process ({@code peer=process},
 * see {@link Peer}). Flows against the JDK's Unix-domain sockets.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
public class RoundTripBench {
    @Param({"flows", "jdk"})
    public String transport;

    @Param({"1", "1024"})
    public int size;

    @Param({"thread", "process"})
    public String peer;

    private Transport.Server server;
    private ByteChannel ch;
    private Thread echo;
    private ChildJvm process;
    private ByteBuffer out;
    private ByteBuffer in;

    @Setup(Level.Trial)
    public void setup() throws Exception {
        Transport t = Transport.of(transport);
        server = t.bind();
        if (peer.equals("process")) {
            process = Peer.start("echo", t, server.address, size);
            ch = (ByteChannel) server.accept();
            process.awaitReady();
        } else {
            CompletableFuture<SelectableChannel> acc = CompletableFuture.supplyAsync(() -> {
                try {
                    return server.accept();
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            ch = (ByteChannel) t.connect(server.address);
            ByteChannel other = (ByteChannel) acc.get(10, TimeUnit.SECONDS);
            echo = new Thread(() -> {
                try {
                    Peer.echo(other, size);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }, "echo");
            echo.setDaemon(true);
            echo.start();
        }
        out = ByteBuffer.allocateDirect(size);
        in = ByteBuffer.allocateDirect(size);
        for (int i = 0; i < size; i++) {
            out.put(i, (byte) i);
        }
        if (roundTrip() != (byte) (size - 1)) {
            throw new IllegalStateException("the echo came back wrong");
        }
    }

    @Benchmark
    public byte roundTrip() throws IOException {
        out.clear();
        while (out.hasRemaining()) {
            ch.write(out);
        }
        in.clear();
        while (in.hasRemaining()) {
            if (ch.read(in) < 0) {
                throw new IOException("echo ended early");
            }
        }
        return in.get(size - 1);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        if (ch != null) {
            ch.close();
        }
        if (echo != null) {
            echo.join(10_000);
        }
        if (process != null) {
            process.close();
        }
        if (server != null) {
            server.close();
        }
    }
}
