/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A second JVM running any main class of the test classpath (the approach of
 * {@link PeerProcess}, for peers of our own such as {@link TestPeers}). Its
 * stdout lines are queued for {@link #expect(String)}; stderr is copied to ours.
 */
final class TestJvm implements AutoCloseable {
    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final List<String> seen = new ArrayList<>();
    private final Thread out;

    private TestJvm(Process process) {
        this.process = process;
        out = new Thread(() -> pump(true), "testjvm-out");
        Thread err = new Thread(() -> pump(false), "testjvm-err");
        out.setDaemon(true);
        err.setDaemon(true);
        out.start();
        err.start();
    }

    private void pump(boolean stdout) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                stdout ? process.getInputStream() : process.getErrorStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (stdout) {
                    lines.add(line);
                } else {
                    System.err.println("[jvm " + process.pid() + "] " + line);
                }
            }
        } catch (IOException e) {
            // gone
        }
    }

    /** Starts {@code main} with extra JVM options (after the inherited layer options, so they win) and arguments. */
    static TestJvm start(Class<?> main, List<String> jvmOptions, String... args) throws IOException {
        return new TestJvm(new ProcessBuilder(command(main, jvmOptions, args)).start());
    }

    /**
     * The command line of a child JVM on this class path, on this JVM's layer
     * and rendezvous, with extra JVM options (they come last, so they win).
     */
    static List<String> command(Class<?> main, List<String> jvmOptions, String... args) {
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
        // The child runs where this JVM runs: same layer, same rendezvous (as PeerProcess does).
        for (String p : new String[] {"jouroboros.embedded.dir", "jouroboros.layer", "jouroboros.irm.socket"}) {
            String v = System.getProperty(p);
            if (v != null) {
                cmd.add("-D" + p + "=" + v);
            }
        }
        cmd.addAll(jvmOptions);
        cmd.add(main.getName());
        cmd.addAll(List.of(args));
        return cmd;
    }

    String expect(String prefix) throws InterruptedException {
        return expect(prefix, Duration.ofSeconds(60));
    }

    /** Waits for the next line starting with prefix; returns the whole line. */
    String expect(String prefix, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            String line = left <= 0 ? null : lines.poll(left, TimeUnit.NANOSECONDS);
            if (line == null) {
                throw new AssertionError("jvm " + process.pid() + " did not print '" + prefix + "' within "
                        + timeout + "; alive=" + process.isAlive() + ", printed " + seen);
            }
            seen.add(line);
            if (line.startsWith(prefix)) {
                return line;
            }
        }
    }

    /** Every line printed so far and until exit. */
    List<String> output() {
        List<String> all = new ArrayList<>(seen);
        lines.drainTo(all);
        seen.clear();
        seen.addAll(all);
        return all;
    }

    /** The last line {@link #expect} took, or null. */
    String lastLine() {
        return seen.isEmpty() ? null : seen.get(seen.size() - 1);
    }

    long pid() {
        return process.pid();
    }

    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    int waitFor() throws InterruptedException {
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("jvm did not exit; printed " + output());
        }
        out.join(5000);
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
