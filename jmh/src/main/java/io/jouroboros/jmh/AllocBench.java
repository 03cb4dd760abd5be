/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.jmh;

import io.jouroboros.Flow;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
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
 * Allocation per operation: run with {@code -prof gc} and read
 * {@code gc.alloc.rate.norm} (bytes per op). Both ends of one connection
 * live in this thread; each op sends one 64-byte SDU and reads it back at
 * the other end, so it is one write and one read (allocation cannot be
 * negative: 0 B for the pair is 0 B for each). The heap variants go
 * through the binding's copy of a heap buffer; the selector variants select
 * with one ready key (level-triggered: the byte stays unread).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
public class AllocBench {
    static final int SIZE = 64;

    @Param({"flows", "jdk"})
    public String transport;

    private Transport.Server server;
    private ByteChannel a;
    private ByteChannel b;
    private ByteChannel c;
    private ByteChannel d;
    private Selector selector;
    private final ByteBuffer outD = ByteBuffer.allocateDirect(SIZE);
    private final ByteBuffer inD = ByteBuffer.allocateDirect(SIZE);
    private final ByteBuffer outH = ByteBuffer.allocate(SIZE);
    private final ByteBuffer inH = ByteBuffer.allocate(SIZE);
    private final ByteBuffer[] outV = {ByteBuffer.allocateDirect(SIZE / 2), ByteBuffer.allocate(SIZE / 2)};
    private final ByteBuffer[] inV = {ByteBuffer.allocate(SIZE / 2), ByteBuffer.allocateDirect(SIZE / 2)};

    @Setup(Level.Trial)
    public void setup() throws Exception {
        Transport t = Transport.of(transport);
        server = t.bind();
        ByteChannel[] ab = pair(t);
        a = ab[0];
        b = ab[1];
        ByteChannel[] cd = pair(t);
        c = cd[0];
        d = cd[1];
        // c -> d: one byte that stays unread, so d is always readable.
        selector = t.provider().openSelector();
        ((SelectableChannel) d).configureBlocking(false);
        ((SelectableChannel) d).register(selector, SelectionKey.OP_READ);
        c.write(ByteBuffer.wrap(new byte[] {1}));
        for (int i = 0; i < 100; i++) {
            if (selectNow() != 1) {
                throw new IllegalStateException("the ready key is not ready");
            }
        }
    }

    private ByteChannel[] pair(Transport t) throws Exception {
        CompletableFuture<SelectableChannel> acc = CompletableFuture.supplyAsync(() -> {
            try {
                return server.accept();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        ByteChannel x = (ByteChannel) t.connect(server.address);
        return new ByteChannel[] {x, (ByteChannel) acc.get(10, TimeUnit.SECONDS)};
    }

    private static void check(int n) throws IOException {
        if (n != SIZE) {
            throw new IOException("moved " + n + " bytes, not " + SIZE);
        }
    }

    /** write + read, direct buffers. */
    @Benchmark
    public int streamDirect() throws IOException {
        outD.clear();
        check(a.write(outD));
        inD.clear();
        check(b.read(inD));
        return inD.get(0);
    }

    /** write + read, heap buffers. */
    @Benchmark
    public int streamHeap() throws IOException {
        outH.clear();
        check(a.write(outH));
        inH.clear();
        check(b.read(inH));
        return inH.get(0);
    }

    /** writeMessage + readMessage (JDK: write + read), direct buffers. */
    @Benchmark
    public int messageDirect() throws IOException {
        outD.clear();
        inD.clear();
        if (a instanceof Flow) {
            check(((Flow) a).writeMessage(outD));
            check(((Flow) b).readMessage(inD));
            // The read filled the buffer: the end-of-SDU read of 0.
            inD.clear();
            if (((Flow) b).readMessage(inD) != 0) {
                throw new IOException("no end-of-SDU mark");
            }
        } else {
            check(a.write(outD));
            check(b.read(inD));
        }
        return inD.get(0);
    }

    /** writeMessage + readMessage (JDK: write + read), heap buffers. */
    @Benchmark
    public int messageHeap() throws IOException {
        outH.clear();
        inH.clear();
        if (a instanceof Flow) {
            check(((Flow) a).writeMessage(outH));
            check(((Flow) b).readMessage(inH));
            inH.clear();
            if (((Flow) b).readMessage(inH) != 0) {
                throw new IOException("no end-of-SDU mark");
            }
        } else {
            check(a.write(outH));
            check(b.read(inH));
        }
        return inH.get(0);
    }

    /** Gathering write + scattering read, one direct and one heap buffer each. */
    @Benchmark
    public long vector() throws IOException {
        outV[0].clear();
        outV[1].clear();
        inV[0].clear();
        inV[1].clear();
        long w = ((java.nio.channels.GatheringByteChannel) a).write(outV);
        long r = ((java.nio.channels.ScatteringByteChannel) b).read(inV);
        if (w != SIZE || r != SIZE) {
            throw new IOException("moved " + w + " / " + r + " bytes, not " + SIZE);
        }
        return r;
    }

    /** selectNow with one ready key, then clear the selected set. */
    @Benchmark
    public int selectNow() throws IOException {
        int n = selector.selectNow();
        selector.selectedKeys().clear();
        return n;
    }

    /** select() with one ready key (returns at once), then clear. */
    @Benchmark
    public int select() throws IOException {
        int n = selector.select();
        selector.selectedKeys().clear();
        return n;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        Transport.closeAll(selector, a, b, c, d, server);
    }
}
