/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

/**
 * The flow is not (or no longer) allocated in the layer ({@code ENOTALLOC}).
 */
public class NotAllocatedException extends OuroborosException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param code the Ouroboros error code (positive)
     * @param name its symbolic name
     * @param message what went wrong
     */
    public NotAllocatedException(int code, String name, String message) {
        super(code, name, message);
    }
}
