/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.irm;

/**
 * The key exchange of an encrypted flow: the {@code kex=} values Ouroboros
 * 0.23 accepts in a name's encryption configuration, in Ouroboros's order of
 * strength, weakest first. Both sides offer one; the server takes the
 * client's and refuses it when it is weaker than its own.
 *
 * <p>The key-encapsulation mechanisms ({@link #isKem()}: ML-KEM and the
 * hybrids) need an Ouroboros built against OpenSSL 3.5 or newer; an IRMd
 * built without them refuses them when a flow is allocated (its log says
 * "PQC not available").
 */
public enum KeyExchange {
    /** Finite-field Diffie-Hellman, 2048-bit group (RFC 7919). */
    FFDHE2048("ffdhe2048", false),
    /** ECDH on NIST P-256 (Ouroboros's default). */
    PRIME256V1("prime256v1", false),
    /** ECDH on Curve25519. */
    X25519("X25519", false),
    /** Finite-field Diffie-Hellman, 3072-bit group. */
    FFDHE3072("ffdhe3072", false),
    /** ECDH on NIST P-384. */
    SECP384R1("secp384r1", false),
    /** Finite-field Diffie-Hellman, 4096-bit group. */
    FFDHE4096("ffdhe4096", false),
    /** ECDH on Curve448. */
    X448("X448", false),
    /** ECDH on NIST P-521. */
    SECP521R1("secp521r1", false),
    /** ML-KEM-512 (FIPS 203). */
    ML_KEM_512("ML-KEM-512", true),
    /** ML-KEM-768 (FIPS 203). */
    ML_KEM_768("ML-KEM-768", true),
    /** ML-KEM-1024 (FIPS 203). */
    ML_KEM_1024("ML-KEM-1024", true),
    /** Hybrid X25519 + ML-KEM-768. */
    X25519_MLKEM768("X25519MLKEM768", true),
    /** Hybrid X448 + ML-KEM-1024. */
    X448_MLKEM1024("X448MLKEM1024", true);

    private final String token;
    private final boolean kem;

    KeyExchange(String token, boolean kem) {
        this.token = token;
        this.kem = kem;
    }

    /**
     * The value as the configuration file spells it.
     *
     * @return such as {@code "X25519"}
     */
    public String token() {
        return token;
    }

    /**
     * Whether this is a key-encapsulation mechanism (post-quantum or
     * hybrid), for which {@link KemMode} matters.
     *
     * @return true for ML-KEM and the hybrids
     */
    public boolean isKem() {
        return kem;
    }
}
