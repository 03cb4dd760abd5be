/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.irm;

/**
 * Where the IRMd finds a name's security files for one side (server or
 * client): the encryption configuration, the private key and the
 * certificate. Each is a path of at most 511 bytes of UTF-8, or
 * {@code null}/empty for the IRMd's default
 * ({@code <security dir>/server|client/<name>/enc.conf}, {@code key.pem},
 * {@code crt.pem}). Ouroboros 0.23's IRMd does not take the encryption
 * path from {@link Irm#createName}: it reads the default one, which
 * {@link Irm#createEncryptedName} writes.
 *
 * @param encryption the encryption configuration file
 * @param key the private key (PEM)
 * @param certificate the certificate (PEM)
 */
public record SecurityPaths(String encryption, String key, String certificate) {
    /** All defaults. */
    public static final SecurityPaths DEFAULT = new SecurityPaths(null, null, null);
}
