/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import java.io.IOException;

/**
 * An Ouroboros operation failed. Carries the Ouroboros error code (the
 * positive value of the C library's negative return) and its symbolic name
 * (e.g. {@code "ENAME"}). Subclasses name the failures a
 * caller can act on; JDK types are used where the JDK has one
 * ({@link java.nio.channels.ClosedChannelException} and its kin).
 */
public class OuroborosException extends IOException {
    private static final long serialVersionUID = 1L;

    /** The Ouroboros error code, positive. */
    private final int code;
    /** The code's symbolic name, such as {@code "ENAME"}. */
    private final String errorName;

    /**
     * Creates the exception.
     *
     * @param code the Ouroboros error code (positive)
     * @param errorName its symbolic name
     * @param message what went wrong
     */
    public OuroborosException(int code, String errorName, String message) {
        super(message);
        this.code = code;
        this.errorName = errorName;
    }

    /**
     * The Ouroboros error code, positive ({@code errno} values and
     * Ouroboros's own, such as the one named {@code ENAME}), as the native
     * library defines it.
     *
     * @return the code
     */
    public int code() {
        return code;
    }

    /**
     * The symbolic name of {@link #code()}, such as {@code "ETIMEDOUT"}.
     *
     * @return the name
     */
    public String errorName() {
        return errorName;
    }
}
