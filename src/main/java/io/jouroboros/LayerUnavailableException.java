/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

/**
 * The requested layer cannot run in this process: the system layer without
 * a reachable IRMd, the native library missing for this platform, or an
 * unsafe rendezvous directory for the embedded layer.
 */
public class LayerUnavailableException extends OuroborosException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param code the error code (positive), 0 if none applies
     * @param name its symbolic name
     * @param message what went wrong and what to do
     */
    public LayerUnavailableException(int code, String name, String message) {
        super(code, name, message);
    }
}
