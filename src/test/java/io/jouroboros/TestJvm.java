/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
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
 * Closing it kills and reaps the JVM (if it still runs) and joins the threads
 * that read its output.
 */
final class TestJvm implements AutoCloseable {
    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final List<String> seen = new ArrayList<>();
    /** What it wrote on stderr. */
    private final List<String> errLines = java.util.Collections.synchronizedList(new ArrayList<>());
    /** HotSpot's crash report lines, once the JVM printed one. */
    private volatile String crash;
    private final HelperThread<Void> out;
    private final HelperThread<Void> err;

    private TestJvm(Process process) {
        this.process = process;
        out = HelperThread.start("testjvm-out-" + process.pid(), () -> pump(true));
        err = HelperThread.start("testjvm-err-" + process.pid(), () -> pump(false));
    }

    private void pump(boolean stdout) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                stdout ? process.getInputStream() : process.getErrorStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                // HotSpot's report of a crash (on stdout), whatever the test expects of the JVM.
                if (line.startsWith("# A fatal error has been detected") || line.startsWith("#  SIGSEGV")
                        || line.startsWith("#  SIGBUS") || line.startsWith("#  SIGFPE") || line.startsWith("#  SIGILL")) {
                    crash = crash == null ? line : crash + " / " + line;
                }
                if (stdout) {
                    lines.add(line);
                } else {
                    errLines.add(line);
                    System.err.println("[jvm " + process.pid() + "] " + line);
                }
            }
        } catch (IOException e) {
            // gone
        }
    }

    /** Starts {@code main} with extra JVM options (after the inherited layer options, so they win) and arguments. */
    static TestJvm start(Class<?> main, List<String> jvmOptions, String... args) throws IOException {
        return start(List.of(), main, jvmOptions, args);
    }

    /** As {@link #start(Class, List, String...)}, the java command run by {@code prefix} (e.g. prlimit ...). */
    static TestJvm start(List<String> prefix, Class<?> main, List<String> jvmOptions, String... args)
            throws IOException {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(command(main, jvmOptions, args));
        Process p = new ProcessBuilder(cmd).start();
        try {
            return new TestJvm(p);
        } catch (RuntimeException | Error e) {
            p.destroyForcibly();
            throw e;
        }
    }

    /**
     * For the main class of a child JVM: an exception no thread caught
     * prints {@code FATAL} on stdout (where the test reads) and ends the JVM
     * with status 70, rather than ending one thread on stderr unseen.
     */
    static void haltOnUncaughtException() {
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> {
            System.out.println("FATAL " + t.getName() + " " + e);
            e.printStackTrace();
            System.out.flush();
            Runtime.getRuntime().halt(70);
        });
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
        // No /tmp/hsperfdata_<user>/<pid> file: a child killed with -9 would leave it behind.
        cmd.add("-XX:-UsePerfData");
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
                boolean alive = process.isAlive();
                if (alive) {
                    threadDump();
                }
                throw new AssertionError("jvm " + process.pid() + " did not print '" + prefix + "' within "
                        + timeout + "; alive=" + alive + ", printed " + seen
                        + (alive ? " (its threads are on the test's output)" : ""));
            }
            seen.add(line);
            if (line.startsWith(prefix)) {
                return line;
            }
        }
    }

    /**
     * Prints the stuck JVM's threads on this JVM's stdout (the test's
     * report): SIGQUIT makes HotSpot print them on the child's stdout, read
     * here. Lines the child printed in between are kept for expect.
     */
    private void threadDump() throws InterruptedException {
        try {
            Process k = new ProcessBuilder("kill", "-QUIT", Long.toString(process.pid()))
                    .redirectErrorStream(true).start();
            k.getInputStream().transferTo(OutputStream.nullOutputStream());
            if (!k.waitFor(5, TimeUnit.SECONDS) || k.exitValue() != 0) {
                k.destroyForcibly();
                System.out.println("jvm " + process.pid() + ": kill -QUIT failed, no thread dump");
                return;
            }
        } catch (IOException e) {
            System.out.println("jvm " + process.pid() + ": no thread dump: " + e);
            return;
        }
        List<String> dump = new ArrayList<>();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        boolean inDump = false;
        for (long left; (left = end - System.nanoTime()) > 0;) {
            String l = lines.poll(Math.min(left, TimeUnit.MILLISECONDS.toNanos(500)), TimeUnit.NANOSECONDS);
            if (l == null) {
                if (inDump) {
                    break; // the dump has ended
                }
                continue;
            }
            // HotSpot's dump: a time stamp, then "Full thread dump ...".
            inDump |= l.startsWith("Full thread dump") || l.matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d");
            if (inDump) {
                dump.add(l);
            } else {
                seen.add(l); // printed before the dump: not the dump's
            }
        }
        System.out.println("=== threads of the stuck jvm " + process.pid() + ":");
        dump.forEach(System.out::println);
        System.out.println("=== end of the threads of jvm " + process.pid());
    }

    /** The next line printed, if there is one now (no waiting); else null. */
    String poll() {
        String line = lines.poll();
        if (line != null) {
            seen.add(line);
        }
        return line;
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

    /** kill -9, and reaped: gone when this returns. */
    void kill() throws InterruptedException {
        TestSupport.kill(process);
    }

    /** Waits (up to 60 s) for the JVM to exit and for the rest of its stdout; its exit status. */
    int waitFor() throws Exception {
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            TestSupport.kill(process);
            throw new AssertionError("jvm did not exit; printed " + output());
        }
        out.join(Duration.ofSeconds(5));
        return process.exitValue();
    }

    /**
     * Ends the JVM if it still runs: SIGTERM, so that a peer closes what it
     * bound (it leaves no socket behind), then SIGKILL if it has not exited
     * within 5 s; reaps it and takes the outcome of its output threads.
     */
    /** The lines it wrote on stderr so far. */
    List<String> errLines() {
        synchronized (errLines) {
            return List.copyOf(errLines);
        }
    }

    /** Writes one line to the JVM's standard input. */
    void send(String line) throws IOException {
        var in = process.getOutputStream();
        in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        in.flush();
    }

    /** Sends signal sig (STOP, CONT, ...) to the JVM, with kill(1). */
    void signal(String sig) throws IOException, InterruptedException {
        Process k = new ProcessBuilder("kill", "-" + sig, Long.toString(process.pid()))
                .redirectErrorStream(true).start();
        String out = new String(k.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (k.waitFor() != 0) {
            throw new IOException("kill -" + sig + " " + process.pid() + ": " + out.strip());
        }
    }

    @Override
    public void close() throws Exception {
        try (HelperThread<Void> o = out; HelperThread<Void> e = err) {
            if (process.isAlive()) {
                process.destroy();
                process.waitFor(5, TimeUnit.SECONDS);
            }
            kill();
            o.join(Duration.ofSeconds(5));
            e.join(Duration.ofSeconds(5));
        }
        if (crash != null) {
            throw new AssertionError("jvm " + process.pid() + " crashed: " + crash
                    + " (its hs_err_pid" + process.pid() + ".log is in its working directory)");
        }
    }
}
