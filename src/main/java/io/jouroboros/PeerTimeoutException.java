/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

/**
 * The flow is down because the peer stopped answering within the QoS timeout ({@code EFLOWPEER}).
 */
public class PeerTimeoutException extends OuroborosException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param code the Ouroboros error code (positive)
     * @param name its symbolic name
     * @param message what went wrong
     */
    public PeerTimeoutException(int code, String name, String message) {
        super(code, name, message);
    }
}
