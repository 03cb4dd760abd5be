/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.jmh;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.SelectableChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The client ends of {@link SelectBench}, in a process of their own: 10,000
 * connections are 20,000 descriptors when both ends share one process, more
 * than a common hard limit of open files allows; split, each process holds
 * one end of each. The process connects N clients, writes one byte into the
 * middle one, prints {@code ready}, and holds everything open until its
 * standard input closes.
 */
final class Clients implements AutoCloseable {
    private final Process process;
    private final BufferedReader out;

    private Clients(Process process) {
        this.process = process;
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    /** Starts a process that connects {@code n} clients to {@code address}. */
    static Clients start(Transport transport, String address, int n) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx512m");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-XX:TieredStopAtLevel=1");
        // The library's own settings (layer, native library path) carry over.
        for (String key : System.getProperties().stringPropertyNames()) {
            if (key.startsWith("jouroboros.")) {
                cmd.add("-D" + key + "=" + System.getProperty(key));
            }
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Clients.class.getName());
        cmd.add(transport.name());
        cmd.add(address);
        cmd.add(Integer.toString(n));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        return new Clients(p);
    }

    Process process() {
        return process;
    }

    /** Waits for the clients to be connected and the byte written. */
    void awaitReady() throws IOException {
        String line = out.readLine();
        if (!"ready".equals(line)) {
            throw new IOException("client process failed (" + line + "); exit status "
                    + (process.isAlive() ? "still running" : process.exitValue()));
        }
    }

    /** Closes the clients' standard input, so they close and exit. */
    @Override
    public void close() throws IOException {
        try {
            process.getOutputStream().close();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            out.close();
        }
    }

    /** The client process: {@code TRANSPORT ADDRESS N}. */
    public static void main(String[] args) throws Exception {
        Transport transport = Transport.valueOf(args[0]);
        String address = args[1];
        int n = Integer.parseInt(args[2]);
        List<SelectableChannel> clients = new ArrayList<>(n);
        try {
            for (int i = 0; i < n; i++) {
                clients.add(transport.connect(address));
            }
            // The middle one: neither the first nor the last registered.
            ByteChannel ready = (ByteChannel) clients.get(n / 2);
            if (ready.write(ByteBuffer.wrap(new byte[] {42})) != 1) {
                throw new IOException("short write");
            }
            System.out.println("ready");
            System.out.flush();
            while (System.in.read() >= 0) {
                // Held open until the benchmark closes our standard input.
            }
        } catch (IOException | RuntimeException e) {
            System.out.println("failed after " + clients.size() + " of " + n + " clients: " + e);
            System.out.flush();
            throw e;
        } finally {
            for (SelectableChannel c : clients) {
                c.close();
            }
        }
    }
}
