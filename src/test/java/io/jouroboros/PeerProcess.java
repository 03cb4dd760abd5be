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
import java.nio.file.Path;
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
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("-Xshare:auto");
        if (Runtime.version().feature() >= 22) {
            // JDK 22+ warns on System.load unless native access is granted.
            cmd.add("--enable-native-access=ALL-UNNAMED");
        }
        cmd.add("-XX:TieredStopAtLevel=1");
        // The peer runs where this JVM runs: same layer, same rendezvous.
        for (String p : new String[] {"jouroboros.embedded.dir", "jouroboros.layer", "jouroboros.irm.socket"}) {
            String v = System.getProperty(p);
            if (v != null) {
                cmd.add("-D" + p + "=" + v);
            }
        }
        cmd.addAll(jvmOptions);
        cmd.add(Peer.class.getName());
        cmd.addAll(List.of(args));
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
