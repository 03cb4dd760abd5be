/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.jmh;

import io.jouroboros.Flow;
import io.jouroboros.QoSSpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A plain Java ping-pong on the system layer, for {@code run-comparison.sh}:
 * one thread, one flow to a C {@code oping -l} server, one 64-byte oping
 * request every millisecond (as {@code oping -i 1}), written and its echo
 * read back in the same thread. No JMH: the figure sits beside C
 * {@code oping}'s per-ping times of the same run. Prints, over the second
 * half of the pings (the JIT is done by then), {@code PREFIX_rtt_p50_us},
 * {@code PREFIX_rtt_avg_us} and {@code PREFIX_write_p50_us} (the write
 * alone), one {@code KEY VALUE} per line.
 *
 * <p>With {@code two} after PREFIX, a writer thread sends the requests (a
 * millisecond apart) and the main thread reads the echoes, as
 * C {@code oping}'s client does: the echo then wakes a thread that sleeps
 * in its read, where the one-thread loop reads in the thread that wrote.
 * The same figures, times from before the write to the echo's read. With
 * {@code spin} instead, the same two threads, but the reading thread never
 * sleeps: it reads in non-blocking mode until an echo comes (what the wake
 * of a sleeping reader costs, by difference).
 *
 * <p>{@code java -cp benchmarks.jar io.jouroboros.jmh.SystemPing NAME COUNT PREFIX [two|spin]}
 * with {@code -Djouroboros.layer=system}.
 */
public final class SystemPing {
    private static final int SIZE = 64;
    private static final int ECHO_REQUEST = 0; // oping's message type, network order, at offset 0

    private SystemPing() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length != 3 && !(args.length == 4 && (args[3].equals("two") || args[3].equals("spin")))) {
            System.err.println("usage: SystemPing NAME COUNT PREFIX [two|spin]");
            System.exit(2);
        }
        int count = Integer.parseInt(args[1]);
        long[] rtt = new long[count];
        long[] write = new long[count];
        try (Flow f = Flow.open(args[0], QoSSpec.raw(), Duration.ofSeconds(10))) {
            f.receiveTimeout(Duration.ofSeconds(2));
            if (args.length == 4) {
                twoThreads(f, count, rtt, write, args[3].equals("spin"));
            } else {
                oneThread(f, count, rtt, write);
            }
        }
        long[] r = Arrays.copyOfRange(rtt, count / 2, count);
        long[] w = Arrays.copyOfRange(write, count / 2, count);
        Arrays.sort(r);
        Arrays.sort(w);
        String p = args[2];
        System.out.printf("%s_rtt_p50_us %.2f%n", p, r[r.length / 2] / 1e3);
        System.out.printf("%s_rtt_avg_us %.2f%n", p, Arrays.stream(r).average().orElse(0) / 1e3);
        System.out.printf("%s_write_p50_us %.2f%n", p, w[w.length / 2] / 1e3);
    }

    private static void request(ByteBuffer out, int i) {
        out.clear();
        out.putInt(0, ECHO_REQUEST);
        out.putInt(4, i);
    }

    private static void oneThread(Flow f, int count, long[] rtt, long[] write)
            throws IOException, InterruptedException {
        ByteBuffer out = ByteBuffer.allocateDirect(SIZE);
        ByteBuffer in = ByteBuffer.allocateDirect(4096);
        for (int i = 0; i < count; i++) {
            Thread.sleep(1);
            request(out, i);
            long t0 = System.nanoTime();
            f.writeMessage(out);
            long t1 = System.nanoTime();
            in.clear();
            if (f.readMessage(in) < 8 || in.getInt(4) != i) {
                throw new IOException("ping " + i + ": no echo, or another one");
            }
            rtt[i] = System.nanoTime() - t0;
            write[i] = t1 - t0;
        }
    }

    /**
     * A writer thread notes each ping's start and writes it; this thread reads
     * the echoes and takes their times. The writer's failure ends the run here.
     */
    private static void twoThreads(Flow f, int count, long[] rtt, long[] write, boolean spin)
            throws IOException, InterruptedException {
        AtomicLongArray start = new AtomicLongArray(count); // the writer's, read by this thread
        // The mode is the flow's, so the writer's too: in non-blocking mode it writes again while refused.
        f.configureBlocking(!spin);
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            ByteBuffer out = ByteBuffer.allocateDirect(SIZE);
            try {
                for (int i = 0; i < count; i++) {
                    Thread.sleep(1);
                    request(out, i);
                    long t0 = System.nanoTime();
                    start.set(i, t0); // before the write: its echo cannot be read before it
                    while (f.writeMessage(out) == 0) {
                        Thread.onSpinWait();
                    }
                    write[i] = System.nanoTime() - t0;
                }
            } catch (IOException | InterruptedException e) {
                throw new CompletionException(e);
            }
        }, r -> new Thread(r, "SystemPing-writer").start());
        ByteBuffer in = ByteBuffer.allocateDirect(4096);
        try {
            for (int n = 0; n < count; n++) {
                in.clear();
                int got;
                while ((got = f.readMessage(in)) == 0 && spin) {
                    Thread.onSpinWait();
                }
                if (got < 8) {
                    throw new IOException("echo " + n + ": too short");
                }
                long now = System.nanoTime();
                int i = in.getInt(4);
                if (i < 0 || i >= count) {
                    throw new IOException("echo " + n + ": no ping " + i);
                }
                rtt[i] = now - start.get(i);
            }
        } catch (IOException e) {
            // A writer that failed first is why no echo came: its failure goes with ours.
            writer.exceptionally(t -> {
                e.addSuppressed(t);
                return null;
            });
            throw e;
        }
        try {
            writer.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("the writer failed", e);
        }
    }
}
