/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;

/**
 * What the fault suite ({@code Fault*Test}) shares: the seed of its random
 * choices (printed, so a failure can be replayed with
 * {@code -Djouroboros.fault.seed=...}), a watchdog that prints every
 * thread's stack before it fails a hung test, and this process's resident
 * memory.
 */
final class FaultSupport {
    /** The property that replays a run: the seed it printed. */
    static final String SEED = "jouroboros.fault.seed";

    private FaultSupport() {
    }

    /**
     * The seed for {@code what}: {@code -Djouroboros.fault.seed} when set,
     * else a fresh one; printed either way.
     */
    static long seed(String what) {
        String s = System.getProperty(SEED);
        long seed = s == null || s.isEmpty() ? new Random().nextLong() : Long.decode(s);
        System.out.println(what + ": seed " + seed + " (replay: -D" + SEED + "=" + seed + ")");
        return seed;
    }

    /**
     * Starts the layer and makes one flow, so that what the layer keeps open
     * for the process's life (its directory, random source, sockets) is
     * open before a test takes its descriptor snapshot.
     */
    static void warmUp() throws Exception {
        String name = TestSupport.unique("fault-warm-up");
        try (FlowServerChannel s = FlowServerChannel.open().bind(name);
                TestSupport.Pair p = TestSupport.connect(s, name)) {
            p.client.writeMessage(java.nio.ByteBuffer.wrap(new byte[] {1}));
            p.server.readMessage(java.nio.ByteBuffer.allocate(8));
        }
    }

    /** Every thread of this JVM with its stack, as {@link Thread#getAllStackTraces()} gives them. */
    static String allStacks() {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
            Thread t = e.getKey();
            sb.append('"').append(t.getName()).append("\" ").append(t.getState())
                    .append(t.isDaemon() ? " daemon" : "").append('\n');
            for (StackTraceElement f : e.getValue()) {
                sb.append("    at ").append(f).append('\n');
            }
        }
        return sb.toString();
    }

    /** Prints every thread's stack on stdout (the test's report), under a heading. */
    static void dumpStacks(String why) {
        System.out.println("=== " + why + "; the threads of this JVM:");
        System.out.print(allStacks());
        System.out.println("=== end of the threads");
        System.out.flush();
    }

    /** Resident memory of a process in KiB ({@code VmRSS} of {@code /proc/<pid>/status}). */
    static long rssKib(long pid) throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (l.startsWith("VmRSS:")) {
                return Long.parseLong(l.replaceAll("[^0-9]", ""));
            }
        }
        throw new IOException("no VmRSS in /proc/" + pid + "/status");
    }

    /**
     * A watchdog over one thread (the test's): each step is armed with the
     * time it may take; a step that takes longer gets every thread's stack
     * printed, the watched thread interrupted, and the test failed when the
     * watchdog is closed (its helper thread's failure, rethrown there).
     */
    static final class Watchdog implements AutoCloseable {
        private final Thread watched = Thread.currentThread();
        private final HelperThread<Void> thread;
        private volatile String step = "nothing";
        private volatile long deadline = Long.MAX_VALUE;
        private volatile boolean closed;

        Watchdog(String name) {
            thread = HelperThread.start("watchdog-" + name, this::watch);
        }

        private void watch() throws InterruptedException {
            while (!closed) {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    if (closed) {
                        return;
                    }
                    throw e;
                }
                long d = deadline;
                if (System.nanoTime() - d > 0) {
                    String s = step;
                    dumpStacks("watchdog: '" + s + "' hangs");
                    watched.interrupt();
                    throw new AssertionError("hung in '" + s + "' (every thread's stack is on the test's output)");
                }
            }
        }

        /** Arms the watchdog for a step that must end within {@code max}. */
        void step(String what, Duration max) {
            step = what;
            deadline = System.nanoTime() + max.toNanos();
        }

        /** Disarms it (between steps). */
        void idle() {
            deadline = Long.MAX_VALUE;
        }

        /** Stops the watchdog; fails if a step hung. */
        @Override
        public void close() throws Exception {
            closed = true;
            idle();
            thread.join(Duration.ofSeconds(10));
        }
    }
}
