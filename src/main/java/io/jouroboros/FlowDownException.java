/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

/**
 * The flow is down: the peer deallocated it or died ({@code EFLOWDOWN}). Reads return {@code -1} instead; writes throw this.
 */
public class FlowDownException extends OuroborosException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param code the Ouroboros error code (positive)
     * @param name its symbolic name
     * @param message what went wrong
     */
    public FlowDownException(int code, String name, String message) {
        super(code, name, message);
    }
}
