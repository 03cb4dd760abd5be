/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.netty;

import io.jouroboros.LayerUnavailableException;
import io.jouroboros.Ouroboros;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import io.netty.util.internal.logging.InternalLoggerFactory;
import io.netty.util.internal.logging.JdkLoggerFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;

/**
 * Hooks Netty before any test class loads (registered through
 * {@code META-INF/services}): leak detection at {@code PARANOID} through a
 * detector of ours that records every leak it reports, and Netty's log
 * through {@code java.util.logging} with a handler that keeps what the NIO
 * event loop says about its selector (rebuilds, early returns).
 * {@link NettyChecks} fails a test on what they recorded.
 */
public final class NettyTestSession implements LauncherSessionListener {
    /** Leaks reported, as "type: records". */
    static final ConcurrentLinkedQueue<String> LEAKS = new ConcurrentLinkedQueue<>();
    /** Netty's warnings and errors, and the selector's own debug lines. */
    static final ConcurrentLinkedQueue<String> LOG = new ConcurrentLinkedQueue<>();

    // java.util.logging keeps loggers weakly: these keep the levels set here.
    private static final Logger NETTY = Logger.getLogger("io.netty");
    private static final Logger SELECTOR = Logger.getLogger("io.netty.channel.nio.NioIoHandler");
    private static boolean installed;

    @Override
    public void launcherSessionOpened(LauncherSession session) {
        install();
    }

    static synchronized void install() {
        if (installed) {
            return;
        }
        installed = true;
        InternalLoggerFactory.setDefaultFactory(JdkLoggerFactory.INSTANCE);
        SELECTOR.setLevel(Level.FINE);
        NETTY.addHandler(new Handler() {
            @Override
            public void publish(LogRecord r) {
                boolean selector = r.getLoggerName().equals(SELECTOR.getName());
                if (r.getLevel().intValue() >= Level.WARNING.intValue()
                        || selector && r.getLevel().intValue() >= Level.FINE.intValue()) {
                    LOG.add(r.getLevel() + " " + r.getLoggerName() + ": " + r.getMessage());
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        });
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new RecordingFactory());
    }

    /** Whether our detector is the one Netty's buffers use. */
    static boolean leakDetectorInstalled() {
        return ResourceLeakDetectorFactory.instance() instanceof RecordingFactory;
    }

    /**
     * Collects the garbage and makes the detector look at it: leaked
     * buffers are found when they are collected and a buffer is allocated
     * afterwards.
     *
     * @return the leaks reported since the last call
     */
    static List<String> drainLeaks() throws InterruptedException {
        for (int i = 0; i < 4; i++) {
            System.gc();
            Thread.sleep(20);
            for (int k = 0; k < 8; k++) {
                ByteBufAllocator.DEFAULT.directBuffer(8).release();
                ByteBufAllocator.DEFAULT.heapBuffer(8).release();
            }
        }
        List<String> out = new ArrayList<>();
        for (String s; (s = LEAKS.poll()) != null;) {
            out.add(s);
        }
        return out;
    }

    /** Takes the log lines recorded so far. */
    static List<String> drainLog() {
        List<String> out = new ArrayList<>();
        for (String s; (s = LOG.poll()) != null;) {
            out.add(s);
        }
        return out;
    }

    private static final class RecordingFactory extends ResourceLeakDetectorFactory {
        @Override
        @SuppressWarnings("deprecation")
        public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval,
                long maxActive) {
            return newResourceLeakDetector(resource, samplingInterval);
        }

        @Override
        public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval) {
            return new ResourceLeakDetector<T>(resource, samplingInterval) {
                @Override
                protected boolean needReport() {
                    return true;
                }

                @Override
                protected void reportTracedLeak(String resourceType, String records) {
                    LEAKS.add(resourceType + ":" + records);
                    super.reportTracedLeak(resourceType, records);
                }

                @Override
                protected void reportUntracedLeak(String resourceType) {
                    LEAKS.add(resourceType + " (untraced)");
                    super.reportUntracedLeak(resourceType);
                }
            };
        }
    }

    /**
     * The layer gate of netty/'s tests, both halves in one place: what the
     * main project's LayerCondition and SkipReporter do there (netty/ is a
     * Maven project of its own and cannot use that project's test classes).
     * {@link #condition} skips every test, with the reason, when the run asks
     * for the system layer and no IRMd answers ({@link NettyChecks} asks it
     * before each test); registered as a listener of the run
     * ({@code META-INF/services}), this prints each skipped test with its
     * reason: Surefire only counts skips.
     */
    public static final class Reporter implements TestExecutionListener {
        /** Whether a test runs on this run's layer, and if not, why. */
        static ConditionEvaluationResult condition() {
            if (!"system".equals(System.getProperty("jouroboros.layer"))) {
                return ConditionEvaluationResult.enabled("not a system-layer run");
            }
            if (Boolean.getBoolean("jouroboros.test.skipSystemLayer")) {
                return ConditionEvaluationResult.disabled("system layer: left out by -DskipSystemLayer");
            }
            try {
                Ouroboros.layer();
                return ConditionEvaluationResult.enabled("an IRMd answers");
            } catch (LayerUnavailableException e) {
                return ConditionEvaluationResult.disabled("system layer: " + e.getMessage());
            }
        }

        @Override
        public void executionSkipped(TestIdentifier test, String reason) {
            print(test, reason);
        }

        @Override
        public void executionFinished(TestIdentifier test, TestExecutionResult result) {
            if (result.getStatus() == TestExecutionResult.Status.ABORTED) {
                print(test, result.getThrowable().map(Throwable::getMessage).orElse("aborted"));
            }
        }

        private static void print(TestIdentifier test, String reason) {
            String layer = System.getProperty("jouroboros.layer", "auto");
            System.out.println("[SKIPPED] (" + layer + " layer) " + test.getDisplayName() + ": " + reason);
            System.out.flush();
        }
    }
}
