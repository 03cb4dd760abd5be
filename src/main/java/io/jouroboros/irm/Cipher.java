/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.irm;

/**
 * The symmetric cipher of an encrypted flow: the {@code cipher=} values
 * Ouroboros 0.23 accepts, in its order of strength, weakest first. Each
 * side names its minimum; the server takes the stronger of the two, and a
 * client refuses a server's choice weaker than its own.
 */
public enum Cipher {
    /** AES-128 in CTR mode: not authenticated (not recommended). */
    AES_128_CTR("aes-128-ctr", false),
    /** AES-192 in CTR mode: not authenticated (not recommended). */
    AES_192_CTR("aes-192-ctr", false),
    /** AES-256 in CTR mode: not authenticated (not recommended). */
    AES_256_CTR("aes-256-ctr", false),
    /** AES-128 in GCM mode. */
    AES_128_GCM("aes-128-gcm", true),
    /** AES-192 in GCM mode. */
    AES_192_GCM("aes-192-gcm", true),
    /** AES-256 in GCM mode (Ouroboros's default). */
    AES_256_GCM("aes-256-gcm", true),
    /** ChaCha20-Poly1305. */
    CHACHA20_POLY1305("chacha20-poly1305", true);

    private final String token;
    private final boolean aead;

    Cipher(String token, boolean aead) {
        this.token = token;
        this.aead = aead;
    }

    /**
     * The value as the configuration file spells it.
     *
     * @return such as {@code "aes-256-gcm"}
     */
    public String token() {
        return token;
    }

    /**
     * Whether the cipher also authenticates each SDU (AEAD), so a changed
     * SDU is detected rather than delivered garbled.
     *
     * @return true for GCM and ChaCha20-Poly1305
     */
    public boolean isAuthenticated() {
        return aead;
    }
}
