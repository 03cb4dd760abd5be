/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.irm;

/**
 * Which side encapsulates the key of a key-encapsulation mechanism
 * ({@code kem_mode=}); it matters only for a {@link KeyExchange#isKem()}
 * key exchange, and both sides must agree.
 */
public enum KemMode {
    /**
     * The server encapsulates to the client's ephemeral key, as in TLS 1.3
     * (Ouroboros's default): no keys to distribute, forward secrecy.
     */
    SERVER("server"),
    /**
     * The client encapsulates to the server's static key: one round trip
     * less, no forward secrecy, and the keys must be in place (the server's
     * {@code kex.key.pem} or {@code .raw} in its directory, a copy of its
     * public key as {@code kex.srv.pub.pem} or {@code .raw} in the client's).
     */
    CLIENT("client");

    private final String token;

    KemMode(String token) {
        this.token = token;
    }

    /**
     * The value as the configuration file spells it.
     *
     * @return {@code "server"} or {@code "client"}
     */
    public String token() {
        return token;
    }
}
