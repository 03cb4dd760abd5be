/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

/**
 * An SDU does not fit: larger than the layer's largest SDU, or (with {@link FlowFlag#NO_PARTIAL_READ}) larger than the read buffer, in which case it stays queued ({@code EMSGSIZE}).
 */
public class MessageTooLargeException extends OuroborosException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param code the Ouroboros error code (positive)
     * @param name its symbolic name
     * @param message what went wrong
     */
    public MessageTooLargeException(int code, String name, String message) {
        super(code, name, message);
    }
}
