/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

/**
 * An allocation found nobody to answer the name: nobody is bound to it ({@code ENAME}), or no process bound to it could be reached ({@code EIPCP}).
 */
public class UnknownNameException extends OuroborosException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param code the Ouroboros error code (positive)
     * @param name its symbolic name
     * @param message what went wrong
     */
    public UnknownNameException(int code, String name, String message) {
        super(code, name, message);
    }
}
