/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A small cross-process measurement, not a test: run one JVM as the server
 * and one as the client (twice each, with and without {@code taskset -c 0}).
 * <pre>
 *   java -cp CP io.jouroboros.RingBench server flow|uds NAME-OR-PATH
 *   java -cp CP io.jouroboros.RingBench client flow|uds NAME-OR-PATH
 * </pre>
 * The client prints the 1 B round trip (median over 20,000, after a warm-up)
 * and the 64 B one-way rate (messages per second over 2,000,000). Blocking
 * mode, direct buffers, one SDU per write; the JDK reads a stream, so its
 * reader takes whatever is queued at once, the flow reader one SDU per read.
 */
public final class RingBench {
    private static final int RT = 20_000;
    private static final int OW = 2_000_000;

    private RingBench() {
    }

    public static void main(String[] args) throws Exception {
        boolean flow = args[1].equals("flow");
        if (args[0].equals("server")) {
            try (ByteChannel c = flow ? acceptFlow(args[2]) : acceptUds(args[2])) {
                serve(c, flow);
            }
        } else {
            try (ByteChannel c = flow ? Flow.open(args[2]) : openUds(args[2])) {
                client(c, flow);
            }
        }
    }

    private static ByteChannel acceptFlow(String name) throws IOException {
        try (FlowServerChannel s = FlowServerChannel.open().bind(name)) {
            System.out.println("READY");
            return s.accept();
        }
    }

    private static ByteChannel acceptUds(String path) throws IOException {
        Files.deleteIfExists(Path.of(path));
        try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            s.bind(UnixDomainSocketAddress.of(path));
            System.out.println("READY");
            return s.accept();
        }
    }

    private static ByteChannel openUds(String path) throws IOException {
        SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
        c.connect(UnixDomainSocketAddress.of(path));
        return c;
    }

    /** Reads exactly n bytes (a stream) or one SDU of n bytes (a flow). */
    private static void readFull(ByteChannel c, ByteBuffer b, int n) throws IOException {
        b.clear().limit(n);
        while (b.hasRemaining()) {
            if (c.read(b) < 0) {
                throw new IOException("end of flow");
            }
        }
    }

    private static void serve(ByteChannel c, boolean flow) throws IOException {
        ByteBuffer one = ByteBuffer.allocateDirect(1);
        ByteBuffer big = ByteBuffer.allocateDirect(65536);
        // Phase 1: echo RT + warm-up single bytes.
        for (int i = 0; i < 2 * RT; i++) {
            readFull(c, one, 1);
            one.flip();
            c.write(one);
        }
        // Phase 2: sink OW messages of 64 B, then one byte back.
        long want = (long) OW * 64;
        long got = 0;
        while (got < want) {
            big.clear();
            if (!flow) {
                big.limit((int) Math.min(big.capacity(), want - got));
            }
            int n = c.read(big);
            if (n < 0) {
                throw new IOException("end of flow");
            }
            got += n;
        }
        one.clear();
        one.put((byte) 1).flip();
        c.write(one);
        readFull(c, one, 1);
    }

    private static void client(ByteChannel c, boolean flow) throws IOException {
        ByteBuffer one = ByteBuffer.allocateDirect(1);
        long[] t = new long[RT];
        for (int i = 0; i < 2 * RT; i++) {
            one.clear();
            one.put((byte) i).flip();
            long t0 = System.nanoTime();
            c.write(one);
            readFull(c, one, 1);
            if (i >= RT) {
                t[i - RT] = System.nanoTime() - t0;
            }
        }
        Arrays.sort(t);
        ByteBuffer m = ByteBuffer.allocateDirect(64);
        long t0 = System.nanoTime();
        for (int i = 0; i < OW; i++) {
            m.clear();
            c.write(m);
        }
        readFull(c, one, 1);
        long ns = System.nanoTime() - t0;
        one.clear();
        one.put((byte) 2).flip();
        c.write(one);
        System.out.printf("%s rt1B median %.2f us p90 %.2f us; ow64B %.0f k msg/s%n", flow ? "flow" : "uds ",
                t[RT / 2] / 1e3, t[RT * 9 / 10] / 1e3, OW / (ns / 1e9) / 1e3);
    }
}
