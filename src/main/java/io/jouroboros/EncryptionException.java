/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

/**
 * An encrypted flow could not be set up ({@code ECRYPT}): the IRMd refused
 * the name's encryption configuration or the key exchange, for instance a
 * server side that requires encryption and a client side without a
 * configuration, or a configuration file Ouroboros cannot read. The IRMd's
 * log says which.
 */
public class EncryptionException extends OuroborosException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param code the Ouroboros error code (positive)
     * @param name its symbolic name
     * @param message what went wrong
     */
    public EncryptionException(int code, String name, String message) {
        super(code, name, message);
    }
}
