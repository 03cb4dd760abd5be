/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * After each test of a system-layer run, checks the free lists of
 * Ouroboros's shared packet pool ({@code pool-check.py} beside this class):
 * a block freed twice is later handed to two writers, and flows anywhere on
 * the machine read each other's data, so the test during which the pool
 * went bad fails, naming what is wrong, rather than a later, innocent one.
 * Read twice, 200 ms apart: only a problem seen both times counts (another
 * process may be allocating). Reported once per run. Registered for every
 * test through {@code META-INF/services}.
 */
public final class PoolCheck implements AfterEachCallback {
    private static final Path POOL = Path.of("/dev/shm/ouroboros.gspp");
    private static volatile boolean reported;

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        if (reported || !"system".equals(System.getProperty("jouroboros.layer"))
                || Boolean.getBoolean("jouroboros.test.skipSystemLayer") || !Files.isReadable(POOL)) {
            return;
        }
        List<String> first = run();
        if (first.isEmpty()) {
            return;
        }
        Thread.sleep(200);
        List<String> second = run();
        List<String> both = first.stream().filter(second::contains).toList();
        if (!both.isEmpty()) {
            reported = true;
            throw new AssertionError("Ouroboros's shared packet pool is corrupt after "
                    + context.getRequiredTestClass().getSimpleName() + "." + context.getDisplayName() + " (later tests may read other flows' data): "
                    + String.join("; ", both.subList(0, Math.min(5, both.size())))
                    + (both.size() > 5 ? "; and " + (both.size() - 5) + " more" : ""));
        }
    }

    /** The checker's problem lines (none: the pool is sound, or no python3 to tell). */
    private static List<String> run() throws Exception {
        Path script;
        try {
            script = Path.of(PoolCheck.class.getResource("pool-check.py").toURI());
        } catch (RuntimeException e) {
            return List.of();
        }
        Process p;
        try {
            p = new ProcessBuilder("python3", script.toString(), POOL.toString()).redirectErrorStream(true).start();
        } catch (IOException e) {
            return List.of(); // no python3
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return List.of();
        }
        return p.exitValue() == 1 ? out.lines().filter(l -> !l.isBlank()).toList() : List.of();
    }
}
