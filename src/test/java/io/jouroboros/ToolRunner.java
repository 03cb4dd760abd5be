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
import java.util.Set;
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
     * is tried again, five times in all, while the server lives, and only when
     * the server is one of Ouroboros's C tools ({@link #C_TOOLS}): the library
     * itself already asks once more after such an EIPCP (system_alloc.c), so
     * a retry here on top of it would hide an EIPCP that a server of ours
     * caused; a C tool may take longer to reach flow_accept
     * (libouroboros-dev's start-up, then its own), which is not ours to fix.
     * Against any other server an EIPCP stays a failure.
     */
    static Result runToStartingServer(Process server, String... args) throws Exception {
        boolean cServer = isCTool(server.info().command().orElse(""));
        for (int i = 1;; i++) {
            Result r = run(args);
            if (r.status() == 0 || i == 5 || !cServer || !server.isAlive()
                    || r.lines().stream().noneMatch(l -> l.contains("(EIPCP)"))) {
                return r;
            }
            System.out.println("jouroboros " + String.join(" ", args) + " to the C server " + server.pid()
                    + " just started: name unreachable (EIPCP), run again (" + (i + 1) + " of 5)");
            Thread.sleep(200);
        }
    }

    /** Ouroboros's C tools: the only programs whose known start-up defects the tool tests work around. */
    static final Set<String> C_TOOLS = Set.of("oping", "oecho", "obc", "operf", "irm");

    /** Whether an executable (a path or a name) is one of {@link #C_TOOLS}. */
    static boolean isCTool(String executable) {
        return !executable.isEmpty() && C_TOOLS.contains(Path.of(executable).getFileName().toString());
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
        if (isCTool(cmd[0]) && r.status() == 128 + 11 && r.lines().stream().allMatch(String::isBlank)) {
            // SIGSEGV before a word: libouroboros-dev's constructor lets its rx thread walk a
            // list it has not initialised yet when the loading thread is off the CPU at that
            // point (Ouroboros 0.23, see the README); the library contains it for our own
            // processes (system_lib.c), not for the C tools. Run once more, said on the console.
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
