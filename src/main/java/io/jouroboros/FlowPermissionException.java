/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

/**
 * The flow's flags forbid the operation, e.g. a write on a read-only flow ({@code EPERM}), or access was denied ({@code EACCES}).
 */
public class FlowPermissionException extends OuroborosException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param code the Ouroboros error code (positive)
     * @param name its symbolic name
     * @param message what went wrong
     */
    public FlowPermissionException(int code, String name, String message) {
        super(code, name, message);
    }
}
