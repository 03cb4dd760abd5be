/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.jmh;

import io.jouroboros.Flow;
import io.jouroboros.internal.Buffers;
import io.jouroboros.internal.Native;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of the Java path and of JNI: {@code Flow.write} of 64 bytes on one
 * flow and {@code Flow.read} of them from its peer, in one thread (so
 * neither ever waits), against the same two layer calls looped in C by a
 * benchmark hook ({@code native/bench_hook.c}, {@code Native.benchWriteRead}).
 * Between the two, {@code jni}: the JNI entry points under them
 * ({@code Native.flowWrite}, {@code Native.flowRead}) called directly, so
 * java − jni is Flow's own Java and jni − c is JNI and {@code flow.c}.
 * {@code javaWrite} and {@code javaRead}: one of the two through Flow, the
 * other through its JNI entry point, so each call's own cost shows.
 * All are per write+read pair, {@value #LOOP} pairs an invocation. Flows
 * only: the layer is whichever the library picked.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
public class JniBench {
    static final int SIZE = 64;
    static final int LOOP = 1000;

    private Transport.Server server;
    private Flow w;
    private Flow r;
    private int hw;
    private int hr;
    private final ByteBuffer out = ByteBuffer.allocateDirect(SIZE);
    // Larger than the SDU: a read that does not fill it has no end-of-SDU read after it.
    private final ByteBuffer in = ByteBuffer.allocateDirect(2 * SIZE);
    private final ByteBuffer c = ByteBuffer.allocateDirect(SIZE);
    private long cAddress;
    private long outAddress;
    private long inAddress;

    @Setup(Level.Trial)
    public void setup() throws Exception {
        server = Transport.FLOWS.bind();
        CompletableFuture<Flow> acc = CompletableFuture.supplyAsync(() -> {
            try {
                return (Flow) server.accept();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        w = (Flow) Transport.FLOWS.connect(server.address);
        r = acc.get(10, TimeUnit.SECONDS);
        // The native handles, held for the trial (package-private in the library).
        Method acquire = Flow.class.getDeclaredMethod("acquireHandle");
        acquire.setAccessible(true);
        hw = (int) acquire.invoke(w);
        hr = (int) acquire.invoke(r);
        cAddress = Buffers.address(c);
        outAddress = Buffers.address(out);
        inAddress = Buffers.address(in);
        System.out.println("buffer addresses read in Java: " + Buffers.inJava());
    }

    @Benchmark
    @OperationsPerInvocation(LOOP)
    public int java() throws IOException {
        int n = 0;
        for (int i = 0; i < LOOP; i++) {
            out.clear();
            w.write(out);
            in.clear();
            n += r.read(in);
        }
        if (n != LOOP * SIZE) {
            throw new IOException("moved " + n + " bytes");
        }
        return n;
    }

    /**
     * Flow.write alone: its pair's read is the JNI entry point under Flow.read, so
     * javaWrite − jni is what Flow.write's own Java costs, and javaWrite − c what one
     * Flow.write costs over the C loop (with the JNI and flow.c of both calls).
     */
    @Benchmark
    @OperationsPerInvocation(LOOP)
    public int javaWrite() throws IOException {
        int n = 0;
        for (int i = 0; i < LOOP; i++) {
            out.clear();
            w.write(out);
            n += Native.flowRead(hr, inAddress, 2 * SIZE, false);
        }
        if (n != LOOP * SIZE) {
            throw new IOException("moved " + n + " bytes");
        }
        return n;
    }

    /** Flow.read alone, its pair's write the JNI entry point under Flow.write: as {@link #javaWrite()}. */
    @Benchmark
    @OperationsPerInvocation(LOOP)
    public int javaRead() throws IOException {
        int n = 0;
        for (int i = 0; i < LOOP; i++) {
            Native.flowWrite(hw, outAddress, SIZE);
            in.clear();
            n += r.read(in);
        }
        if (n != LOOP * SIZE) {
            throw new IOException("moved " + n + " bytes");
        }
        return n;
    }

    /** The JNI entry points under Flow.write and Flow.read, called directly: JNI and flow.c without Flow's Java. */
    @Benchmark
    @OperationsPerInvocation(LOOP)
    public int jni() throws IOException {
        int n = 0;
        for (int i = 0; i < LOOP; i++) {
            Native.flowWrite(hw, outAddress, SIZE);
            n += Native.flowRead(hr, inAddress, 2 * SIZE, false);
        }
        if (n != LOOP * SIZE) {
            throw new IOException("moved " + n + " bytes");
        }
        return n;
    }

    @Benchmark
    @OperationsPerInvocation(LOOP)
    public int c() throws IOException {
        int n = Native.benchWriteRead(hw, hr, cAddress, SIZE, LOOP);
        if (n != LOOP) {
            throw new IOException("the C loop failed: " + n);
        }
        return n;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        Method release = Flow.class.getDeclaredMethod("releaseHandle");
        release.setAccessible(true);
        if (w != null) {
            release.invoke(w);
            w.close();
        }
        if (r != null) {
            release.invoke(r);
            r.close();
        }
        if (server != null) {
            server.close();
        }
    }
}
