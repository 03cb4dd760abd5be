/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

/**
 * A flow's peer could not be authenticated ({@code EAUTH}): a certificate
 * or private key of the name could not be loaded or was not trusted. The
 * IRMd's log says which.
 */
public class AuthenticationException extends OuroborosException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param code the Ouroboros error code (positive)
     * @param name its symbolic name
     * @param message what went wrong
     */
    public AuthenticationException(int code, String name, String message) {
        super(code, name, message);
    }
}
