/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jouroboros.irm.Irm;
import io.jouroboros.tools.Main;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code jouroboros} tools and the C tools, run from the tool tests
 * ({@link ToolsTest}, {@link OPerfTest}): each in a process of its own.
 */
final class ToolRunner {
    private ToolRunner() {
    }

    /** A tool in a JVM of its own, on this run's layer and rendezvous. */
    static TestJvm tool(String... args) throws IOException {
        return TestJvm.start(Main.class, List.of(), args);
    }

    /** A tool run to its end: its exit status and its output. */
    static Result run(String... args) throws Exception {
        try (TestJvm jvm = tool(args)) {
            int status = jvm.waitFor();
            return new Result(status, jvm.output());
        }
    }

    /**
     * {@link #run} against a C server just started: Ouroboros 0.23 allocates a
     * flow to a local process directly only if that process waits in
     * flow_accept within a second (the IRMd's IRMD_REQ_ARR_TIMEOUT); a server
     * not there yet (a loaded machine) sends the allocation to the layers,
     * where its name is not registered: "name unreachable (EIPCP)". Such a run
     * is tried again, five times in all, while the server lives.
     */
    static Result runToStartingServer(Process server, String... args) throws Exception {
        for (int i = 1;; i++) {
            Result r = run(args);
            if (r.status() == 0 || i == 5 || !server.isAlive()
                    || r.lines().stream().noneMatch(l -> l.contains("(EIPCP)"))) {
                return r;
            }
            Thread.sleep(200);
        }
    }

    /** A run's exit status and its output lines. */
    record Result(int status, List<String> lines) {
        boolean has(String line) {
            return lines.contains(line);
        }

        boolean has(Pattern p) {
            return lines.stream().anyMatch(l -> p.matcher(l).matches());
        }

        long count(Pattern p) {
            return lines.stream().filter(l -> p.matcher(l).matches()).count();
        }

        /** The first line that matches {@code p}, matched; an AssertionError if none does. */
        Matcher find(Pattern p) {
            for (String l : lines) {
                Matcher m = p.matcher(l);
                if (m.matches()) {
                    return m;
                }
            }
            throw new AssertionError("no line matching " + p + " in " + lines);
        }

        @Override
        public String toString() {
            return "status " + status + ", output " + lines;
        }
    }

    /** A C tool's path on the PATH, or null. */
    static String cTool(String name) {
        Path p = TestSupport.tool(name);
        return p == null ? null : p.toString();
    }

    /** A C tool run to its end (killed after {@code max}): exit status (-1 when killed) and output. */
    static Result runC(Duration max, String... cmd) throws Exception {
        Result r = runCOnce(max, cmd);
        if (r.status() == 128 + 11 && r.lines().stream().allMatch(String::isBlank)) {
            // SIGSEGV before a word: libouroboros-dev's constructor lets its rx thread walk a
            // list it has not initialised yet when the loading thread is off the CPU at that
            // point (Ouroboros 0.23, see the README); the library contains it for our own
            // processes (system_lib.c), not for the C tools. Run once more.
            System.out.println("C tool " + String.join(" ", cmd) + " died at load (SIGSEGV, no output): run again");
            r = runCOnce(max, cmd);
        }
        return r;
    }

    private static Result runCOnce(Duration max, String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try (HelperThread<String> out = HelperThread.call("c-tool-out",
                () -> new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8))) {
            boolean ended = p.waitFor(max.toMillis(), TimeUnit.MILLISECONDS);
            if (!ended) {
                // Through its handle: Process.destroy also closes the stream the reader is in
                // ("Stream closed" for the rest of its output).
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.toHandle().destroyForcibly();
                assertTrue(p.waitFor(30, TimeUnit.SECONDS), "C tool " + p.pid() + " still runs after SIGKILL");
            }
            return new Result(ended ? p.exitValue() : -1, List.of(out.join().split("\n")));
        }
    }

    /** Binds a C server to a name once the IRMd knows it (libouroboros-dev announces it as it loads). */
    static void bindWhenKnown(String irm, Process server, String name) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (runC(Duration.ofSeconds(5), irm, "bind", "process", Long.toString(server.pid()), "name", name)
                .status() != 0) {
            assertTrue(System.nanoTime() < deadline, "irm bind process " + server.pid() + " name " + name);
            Thread.sleep(50);
        }
    }

    /** Destroys a name in the IRMd, if it was made. */
    static void destroyName(String name) {
        try {
            Irm.destroyName(name);
        } catch (IOException | RuntimeException e) {
            // never created
        }
    }
}
