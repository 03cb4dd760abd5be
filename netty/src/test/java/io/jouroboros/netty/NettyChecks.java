/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.netty;

import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * For every test (registered through {@code META-INF/services}): skips it
 * with the reason when the run asks for the system layer and no IRMd
 * answers ({@link NettyTestSession.Reporter#condition}, the layer gate's one
 * place); afterwards fails it if Netty's leak detector reported a leak or
 * the event loop rebuilt a selector (or logged an unexpected selector-loop
 * error) meanwhile. Each selector debug line about early returns is printed.
 */
public final class NettyChecks implements ExecutionCondition, AfterEachCallback {
    /** Set by a test that leaks on purpose; its leaks are its own business. */
    static volatile boolean expectLeaks;

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        return NettyTestSession.Reporter.condition();
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        if (!NettyTestSession.leakDetectorInstalled()) {
            throw new AssertionError("the recording leak detector is not Netty's: leaks would go unseen");
        }
        if (expectLeaks) {
            return;
        }
        List<String> leaks = NettyTestSession.drainLeaks();
        List<String> log = NettyTestSession.drainLog();
        List<String> selector = log.stream().filter(NettyChecks::aboutSelector).collect(Collectors.toList());
        for (String s : selector) {
            System.out.println("[netty selector] " + context.getDisplayName() + ": " + s);
        }
        if (!leaks.isEmpty()) {
            throw new AssertionError(leaks.size() + " ByteBuf leak(s) reported:\n" + String.join("\n", leaks));
        }
        List<String> bad = log.stream().filter(NettyChecks::isFailure).collect(Collectors.toList());
        if (!bad.isEmpty()) {
            throw new AssertionError("the event loop's selector misbehaved:\n" + String.join("\n", bad));
        }
    }

    static boolean aboutSelector(String line) {
        return line.contains("prematurely") || isFailure(line);
    }

    /** A rebuild (Netty's answer to a select that returns early too often) or a selector-loop error. */
    static boolean isFailure(String line) {
        return line.contains("rebuilding Selector") || line.contains("Migrated")
                || line.contains("Failed to create a new Selector")
                || line.contains("Unexpected exception in the selector loop")
                || line.contains("LEAK:");
    }
}
