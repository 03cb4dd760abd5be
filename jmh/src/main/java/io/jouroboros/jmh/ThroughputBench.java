/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.jmh;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
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
 * One-way throughput: the benchmark thread writes messages of {@code size}
 * bytes (one SDU each on a flow), blocking, from a direct buffer, to a
 * reader in another process that drops them ({@link Peer}'s sink). The score
 * is messages/s; MB/s is that times {@code size} (run-comparison.sh prints
 * both). Flows against the JDK's Unix-domain sockets.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
public class ThroughputBench {
    @Param({"flows", "jdk"})
    public String transport;

    @Param({"64", "1024", "65536"})
    public int size;

    private Transport.Server server;
    private ByteChannel ch;
    private ChildJvm sink;
    private ByteBuffer out;

    @Setup(Level.Trial)
    public void setup() throws Exception {
        Transport t = Transport.of(transport);
        server = t.bind();
        sink = Peer.start("sink", t, server.address, size);
        ch = (ByteChannel) server.accept();
        sink.awaitReady();
        out = ByteBuffer.allocateDirect(size);
    }

    @Benchmark
    public int send() throws IOException {
        out.clear();
        int n = 0;
        while (out.hasRemaining()) {
            n += ch.write(out);
        }
        return n;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        Transport.closeAll(ch, sink, server);
    }
}
