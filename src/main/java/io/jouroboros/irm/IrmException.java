/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.irm;

import io.jouroboros.OuroborosException;

/**
 * An IRM management call failed. Carries the Ouroboros error code (positive)
 * and its symbolic name, such as {@code EIPCP}. The IRMd of
 * Ouroboros 0.23 answers most refusals with a bare {@code -1}, which shows
 * as {@code EPERM}: its log says why.
 */
public class IrmException extends OuroborosException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param code the Ouroboros error code (positive)
     * @param errorName its symbolic name
     * @param message what went wrong
     */
    public IrmException(int code, String errorName, String message) {
        super(code, errorName, message);
    }
}
