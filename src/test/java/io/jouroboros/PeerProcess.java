/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A second JVM running {@link Peer}, on the same rendezvous directory as the
 * test JVM. Its stdout lines are queued for {@link #expect(String)}; its
 * stderr is copied to ours so a failure shows why.
 */
final class PeerProcess implements AutoCloseable {
    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final List<String> seen = new ArrayList<>();

    private PeerProcess(Process process) {
        this.process = process;
        Thread out = new Thread(() -> pump(new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8)), null), "peer-out");
        Thread err = new Thread(() -> pump(new BufferedReader(new InputStreamReader(process.getErrorStream(),
                StandardCharsets.UTF_8)), System.err), "peer-err");
        out.setDaemon(true);
        err.setDaemon(true);
        out.start();
        err.start();
    }

    private void pump(BufferedReader r, PrintStream copy) {
        try {
            String line;
            while ((line = r.readLine()) != null) {
                if (copy != null) {
                    copy.println("[peer " + process.pid() + "] " + line);
                } else {
                    lines.add(line);
                }
            }
        } catch (IOException e) {
            // The peer is gone.
        }
    }

    /** Starts a peer with extra JVM options (e.g. -D...) and Peer arguments. */
    static PeerProcess start(List<String> jvmOptions, String... args) throws IOException {
        List<String> cmd = TestJvm.command(Peer.class, jvmOptions, args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        return new PeerProcess(pb.start());
    }

    static PeerProcess start(String... args) throws IOException {
        return start(List.of(), args);
    }

    /** Waits for the next line that starts with prefix; returns the whole line. */
    String expect(String prefix) throws InterruptedException {
        return expect(prefix, Duration.ofSeconds(60));
    }

    String expect(String prefix, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            String line = left <= 0 ? null : lines.poll(left, TimeUnit.NANOSECONDS);
            if (line == null) {
                throw new AssertionError("peer " + process.pid() + " did not print '" + prefix + "' within "
                        + timeout + "; alive=" + process.isAlive() + ", printed " + seen);
            }
            seen.add(line);
            if (line.startsWith(prefix)) {
                return line;
            }
        }
    }

    /** The last line {@link #expect} took. */
    String lastLine() {
        return seen.isEmpty() ? null : seen.get(seen.size() - 1);
    }

    long pid() {
        return process.pid();
    }

    /** kill -9. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    int waitFor() throws InterruptedException {
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("peer did not exit; printed " + seen);
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
