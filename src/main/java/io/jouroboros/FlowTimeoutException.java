/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

/**
 * A blocking flow operation ran out of time: a receive or send timeout, an allocation or accept timeout ({@code ETIMEDOUT}).
 */
public class FlowTimeoutException extends OuroborosException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param code the Ouroboros error code (positive)
     * @param name its symbolic name
     * @param message what went wrong
     */
    public FlowTimeoutException(int code, String name, String message) {
        super(code, name, message);
    }
}
