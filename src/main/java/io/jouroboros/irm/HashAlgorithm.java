/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.irm;

/**
 * A hash of an encrypted flow's set-up: the {@code kdf=} (key derivation)
 * and {@code digest=} (signatures and the request hash) values Ouroboros
 * 0.23 accepts, in its order of strength, weakest first. For the key
 * derivation the server takes the stronger of both sides'.
 */
public enum HashAlgorithm {
    /** BLAKE2s-256. */
    BLAKE2S256("blake2s256"),
    /** SHA-256 (Ouroboros's default). */
    SHA256("sha256"),
    /** SHA3-256. */
    SHA3_256("sha3-256"),
    /** SHA-384. */
    SHA384("sha384"),
    /** SHA3-384. */
    SHA3_384("sha3-384"),
    /** BLAKE2b-512. */
    BLAKE2B512("blake2b512"),
    /** SHA-512. */
    SHA512("sha512"),
    /** SHA3-512. */
    SHA3_512("sha3-512");

    private final String token;

    HashAlgorithm(String token) {
        this.token = token;
    }

    /**
     * The value as the configuration file spells it.
     *
     * @return such as {@code "sha256"}
     */
    public String token() {
        return token;
    }
}
