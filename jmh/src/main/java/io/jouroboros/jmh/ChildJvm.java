/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.jmh;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A benchmark's far end in a process of its own ({@link Peer},
 * {@link Clients}): a JVM with the benchmark's class path and
 * {@code jouroboros.*} settings, which prints {@code ready} once set up and
 * ends when its standard input closes.
 */
final class ChildJvm implements AutoCloseable {
    private final String what;
    private final Process process;
    private final BufferedReader out;
    private final long closeWaitSeconds;

    private ChildJvm(String what, Process process, long closeWaitSeconds) {
        this.what = what;
        this.process = process;
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.closeWaitSeconds = closeWaitSeconds;
    }

    /**
     * Starts {@code java OPTIONS MAIN ARGS...}.
     *
     * @param what what the process is, for errors ("peer", "client")
     * @param closeWaitSeconds how long {@link #close()} waits before killing it
     */
    static ChildJvm start(String what, List<String> options, Class<?> main, List<String> args,
            long closeWaitSeconds) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(options);
        // The library's own settings (layer, native library path) carry over.
        for (String key : System.getProperties().stringPropertyNames()) {
            if (key.startsWith("jouroboros.")) {
                cmd.add("-D" + key + "=" + System.getProperty(key));
            }
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main.getName());
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        return new ChildJvm(what, p, closeWaitSeconds);
    }

    Process process() {
        return process;
    }

    /** Waits for the process's {@code ready}. */
    void awaitReady() throws IOException {
        String line = out.readLine();
        if (!"ready".equals(line)) {
            throw new IOException(what + " process failed (" + line + "); exit status "
                    + (process.isAlive() ? "still running" : process.exitValue()));
        }
    }

    /** Closes the process's standard input and waits for it to end. */
    @Override
    public void close() throws IOException {
        try {
            process.getOutputStream().close();
            if (!process.waitFor(closeWaitSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            out.close();
        }
    }
}
