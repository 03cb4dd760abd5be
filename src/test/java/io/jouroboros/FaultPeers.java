/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import java.io.File;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * The child JVMs of the fault suite, run by {@link TestJvm}; one line per
 * fact on stdout.
 */
public final class FaultPeers {
    /** How often a sender says how far it got. */
    static final int REPORT_EVERY = 512;

    private FaultPeers() {
    }

    public static void main(String[] args) throws Exception {
        TestJvm.haltOnUncaughtException();
        switch (args[0]) {
            case "sender":
                sender(args[1], Integer.parseInt(args[2]), Long.parseLong(args[3]));
                break;
            case "cycles":
                cycles(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]));
                break;
            default:
                throw new IllegalArgumentException(args[0]);
        }
    }

    /**
     * The length of SDU {@code seq} of stream {@code slot}: 12 to about
     * 2,000 bytes, from the sequence number alone, so the receiver knows it.
     */
    static int length(int slot, long seq) {
        long h = (seq + 1) * 0x9E3779B97F4A7C15L + slot;
        h ^= h >>> 29;
        // Mostly small SDUs, now and then a larger one.
        return 12 + (int) ((h & 7) == 0 ? (h >>> 8) % 2000 : (h >>> 8) % 64);
    }

    /** Byte {@code i} (from 12 on) of SDU {@code seq}. */
    static byte fill(long seq, int i) {
        return (byte) (seq * 31 + i);
    }

    /**
     * Fills {@code b} with SDU {@code seq} of stream {@code slot}: the
     * sequence number, the slot, then bytes that depend on both.
     */
    static void sdu(ByteBuffer b, int slot, long seq) {
        int len = length(slot, seq);
        b.clear();
        b.putLong(seq).putInt(slot);
        for (int i = 12; i < len; i++) {
            b.put(fill(seq, i));
        }
        b.flip();
    }

    /**
     * Opens a flow to {@code name} and writes SDUs {@code start},
     * {@code start + 1}, ... of stream {@code slot} until killed, saying
     * {@code AT n} after each write of a multiple of {@link #REPORT_EVERY}
     * returned (so the test knows it was handed over).
     */
    private static void sender(String name, int slot, long start) throws Exception {
        try (Flow f = Flow.open(name, QoSSpec.raw(), Duration.ofSeconds(30))) {
            System.out.println("OPEN");
            ByteBuffer b = ByteBuffer.allocateDirect(4096);
            for (long seq = start;; seq++) {
                sdu(b, slot, seq);
                if (f.writeMessage(b) != b.limit()) {
                    throw new AssertionError("SDU " + seq + " written in part");
                }
                if (seq % REPORT_EVERY == 0) {
                    System.out.println("AT " + seq);
                }
            }
        }
    }

    private static int fds() {
        String[] l = new File("/proc/self/fd").list();
        return l == null ? -1 : l.length;
    }

    /** Descriptors once they have stopped changing (a closing flow may take a moment). */
    private static int settledFds(int expect) throws InterruptedException {
        int n = fds();
        for (int i = 0; i < 100 && n != expect; i++) {
            Thread.sleep(20);
            n = fds();
        }
        return n;
    }

    /**
     * {@code count} cycles of open a flow to {@code name}, one SDU there and
     * back, close; first 1,000 to warm up, then {@code BASE fds rssKiB},
     * then {@code AT i fds rssKiB} after each {@code every} cycles (after a
     * GC, so the heap does not count), then {@code DONE}.
     */
    private static void cycles(String name, int count, int every) throws Exception {
        ByteBuffer out = ByteBuffer.allocateDirect(8);
        ByteBuffer in = ByteBuffer.allocateDirect(64);
        for (int i = 0; i < 1000; i++) {
            cycle(name, out, in, i);
        }
        System.gc();
        int base = settledFds(-1);
        System.out.println("BASE " + base + " " + FaultSupport.rssKib(ProcessHandle.current().pid()));
        for (int i = 1; i <= count; i++) {
            cycle(name, out, in, i);
            if (i % every == 0) {
                System.gc();
                System.out.println("AT " + i + " " + settledFds(base) + " "
                        + FaultSupport.rssKib(ProcessHandle.current().pid()));
            }
        }
        System.out.println("DONE");
    }

    private static void cycle(String name, ByteBuffer out, ByteBuffer in, long i) throws Exception {
        try (Flow f = Flow.open(name, QoSSpec.raw(), Duration.ofSeconds(10))) {
            out.clear().putLong(i).flip();
            f.writeMessage(out);
            in.clear();
            int n = f.readMessage(in);
            if (n != 8 || in.getLong(0) != i) {
                throw new AssertionError("cycle " + i + ": read " + n);
            }
        }
    }
}
