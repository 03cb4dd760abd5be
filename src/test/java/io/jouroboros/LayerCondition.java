/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import io.jouroboros.internal.LayerRuntime;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Skips every test, with the reason, when the run asks for the system layer
 * ({@code -Djouroboros.layer=system}, as Surefire's {@code system-layer}
 * execution does) and no IRMd answers. Registered for every test through
 * {@code META-INF/services}.
 */
public final class LayerCondition implements ExecutionCondition {
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        if (!"system".equals(System.getProperty("jouroboros.layer"))) {
            return ConditionEvaluationResult.enabled("not a system-layer run");
        }
        if (Boolean.getBoolean("jouroboros.test.skipSystemLayer")) {
            return ConditionEvaluationResult.disabled("system layer: left out by -DskipSystemLayer");
        }
        String socket = System.getProperty("jouroboros.irm.socket");
        if (!LayerRuntime.irmdAlive(socket)) {
            return ConditionEvaluationResult.disabled("system layer: no Ouroboros IRMd answers on "
                    + LayerRuntime.irmSocket(socket) + "; start one to run these tests");
        }
        return ConditionEvaluationResult.enabled("an IRMd answers");
    }
}
