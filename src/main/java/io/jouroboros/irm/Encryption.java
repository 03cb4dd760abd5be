/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.irm;

import java.util.Objects;

/**
 * One side's encryption configuration of a name: what Ouroboros 0.23's
 * IRMd reads from {@code <security dir>/server/<name>/enc.conf} (the server
 * side) or {@code .../client/<name>/enc.conf} (the client side) each time a
 * flow to the name is allocated. Every field is a typed choice of what
 * that Ouroboros accepts; {@link #toConfig()} is the file's text.
 * {@link Irm#createEncryptedName} writes it.
 *
 * <p>How the two sides meet (Ouroboros's rules): the key exchange is the
 * client's, refused by the server when weaker than its own; cipher and key
 * derivation are the stronger of the two sides'. A server side with a
 * configuration refuses a client side without one ({@code ECRYPT}); a
 * client side with one and a server side without one still meet, encrypted
 * with the client's choices.
 *
 * @param keyExchange the key exchange ({@code kex=})
 * @param cipher the symmetric cipher, this side's minimum ({@code cipher=})
 * @param kdf the key derivation hash, this side's minimum ({@code kdf=})
 * @param digest the hash of signatures and of the request ({@code digest=})
 * @param kemMode which side encapsulates, for a KEM key exchange ({@code kem_mode=})
 */
public record Encryption(KeyExchange keyExchange, Cipher cipher, HashAlgorithm kdf, HashAlgorithm digest,
        KemMode kemMode) {
    /** The two sides of a name. */
    public enum Side {
        /** The side that accepts flows to the name. */
        SERVER("server"),
        /** The side that allocates flows to the name. */
        CLIENT("client");

        private final String dir;

        Side(String dir) {
            this.dir = dir;
        }

        /** The folder of this side under the security directory. */
        String dir() {
            return dir;
        }
    }

    /**
     * Checks the choices.
     *
     * @param keyExchange the key exchange
     * @param cipher the symmetric cipher, this side's minimum
     * @param kdf the key derivation hash, this side's minimum
     * @param digest the hash of signatures and of the request
     * @param kemMode which side encapsulates, for a KEM key exchange
     * @throws NullPointerException if a field is null
     * @throws IllegalArgumentException if {@code kemMode} is {@link KemMode#CLIENT}
     *         for a key exchange that is no KEM (Ouroboros would ignore it)
     */
    public Encryption {
        Objects.requireNonNull(keyExchange, "keyExchange");
        Objects.requireNonNull(cipher, "cipher");
        Objects.requireNonNull(kdf, "kdf");
        Objects.requireNonNull(digest, "digest");
        Objects.requireNonNull(kemMode, "kemMode");
        if (kemMode == KemMode.CLIENT && !keyExchange.isKem()) {
            throw new IllegalArgumentException("kemMode CLIENT needs a KEM key exchange (ML-KEM or a hybrid); "
                    + keyExchange + " is not one, and Ouroboros would ignore the mode");
        }
    }

    /**
     * Ouroboros's defaults: ECDH on P-256, AES-256-GCM, SHA-256 for key
     * derivation and digest, server encapsulation.
     *
     * @return the defaults
     */
    public static Encryption defaults() {
        return new Encryption(KeyExchange.PRIME256V1, Cipher.AES_256_GCM, HashAlgorithm.SHA256,
                HashAlgorithm.SHA256, KemMode.SERVER);
    }

    /**
     * A key exchange and a cipher, with the defaults for the rest.
     *
     * @param keyExchange the key exchange
     * @param cipher the cipher
     * @return the configuration
     */
    public static Encryption of(KeyExchange keyExchange, Cipher cipher) {
        return defaults().withKeyExchange(keyExchange).withCipher(cipher);
    }

    /**
     * This configuration with another key exchange.
     *
     * @param k the key exchange
     * @return a new configuration
     */
    public Encryption withKeyExchange(KeyExchange k) {
        return new Encryption(k, cipher, kdf, digest, kemMode);
    }

    /**
     * This configuration with another cipher.
     *
     * @param c the cipher
     * @return a new configuration
     */
    public Encryption withCipher(Cipher c) {
        return new Encryption(keyExchange, c, kdf, digest, kemMode);
    }

    /**
     * This configuration with another key derivation hash.
     *
     * @param h the hash
     * @return a new configuration
     */
    public Encryption withKdf(HashAlgorithm h) {
        return new Encryption(keyExchange, cipher, h, digest, kemMode);
    }

    /**
     * This configuration with another digest.
     *
     * @param h the hash
     * @return a new configuration
     */
    public Encryption withDigest(HashAlgorithm h) {
        return new Encryption(keyExchange, cipher, kdf, h, kemMode);
    }

    /**
     * This configuration with another KEM mode.
     *
     * @param m the mode
     * @return a new configuration
     * @throws IllegalArgumentException as the constructor
     */
    public Encryption withKemMode(KemMode m) {
        return new Encryption(keyExchange, cipher, kdf, digest, m);
    }

    /**
     * The text of the configuration file, one {@code key=value} line per field.
     *
     * @return the file's text
     */
    public String toConfig() {
        return "# written by jOuroboros (io.jouroboros.irm.Encryption)\n"
                + "kex=" + keyExchange.token() + "\n"
                + "cipher=" + cipher.token() + "\n"
                + "kdf=" + kdf.token() + "\n"
                + "digest=" + digest.token() + "\n"
                + "kem_mode=" + kemMode.token() + "\n";
    }

    /**
     * Checks that a server side and a client side configured on one host
     * can meet, as Ouroboros would at each allocation, so that a pair that
     * can never allocate is refused before anything is written. Nothing to
     * check when either is null (on one host, a client side without a
     * configuration meets an encrypting server side with ECRYPT: that is
     * allowed, as a host may serve a name to other hosts only).
     *
     * @param server the server side, or null
     * @param client the client side, or null
     * @throws IllegalArgumentException if the server would refuse this client
     */
    static void checkPair(Encryption server, Encryption client) {
        if (server == null || client == null) {
            return;
        }
        if (client.keyExchange.ordinal() < server.keyExchange.ordinal()) {
            throw new IllegalArgumentException("the client's key exchange " + client.keyExchange
                    + " is weaker than the server's " + server.keyExchange + ": Ouroboros would refuse every"
                    + " flow (ECRYPT)");
        }
        if (client.keyExchange.isKem() && client.kemMode != server.kemMode) {
            throw new IllegalArgumentException("both sides must use the same KEM mode: server "
                    + server.kemMode + ", client " + client.kemMode);
        }
    }
}
