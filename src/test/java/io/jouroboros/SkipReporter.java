/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;

/**
 * Prints every skipped test with its reason on the console, so a skip is
 * never silent: Surefire only counts skips. Covers both kinds: a test
 * disabled by a condition ({@link LayerCondition}, {@code @Disabled}) and
 * one aborted by a failed assumption. Registered for the whole run through
 * {@code META-INF/services}.
 */
public final class SkipReporter implements TestExecutionListener {
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
        // A skipped class is reported once, not once per method.
        String layer = System.getProperty("jouroboros.layer", "auto");
        System.out.println("[SKIPPED] (" + layer + " layer) " + name(test) + ": " + reason);
        System.out.flush();
    }

    private static String name(TestIdentifier test) {
        String id = test.getUniqueId();
        // [engine:junit-jupiter]/[class:io.jouroboros.X]/[method:m()] -> X.m()
        StringBuilder sb = new StringBuilder();
        for (String seg : id.split("/")) {
            int colon = seg.indexOf(':');
            if (colon < 0 || seg.startsWith("[engine:")) {
                continue;
            }
            String v = seg.substring(colon + 1, seg.length() - 1);
            if (seg.startsWith("[class:")) {
                v = v.substring(v.lastIndexOf('.') + 1);
            }
            if (sb.length() > 0) {
                sb.append('.');
            }
            sb.append(v);
        }
        return sb.length() > 0 ? sb.toString() : test.getDisplayName();
    }
}
