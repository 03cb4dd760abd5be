/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.internal;

import java.nio.charset.StandardCharsets;

/** Checks names before any native call: 1 to 255 bytes of UTF-8, no NUL. */
public final class Names {
    /** The longest name, in bytes. */
    public static final int MAX = 255;

    private Names() {
    }

    /**
     * The UTF-8 bytes of a valid name.
     *
     * @param what "name" or "layer", for the message
     * @param name the name
     * @return its bytes
     * @throws IllegalArgumentException if it is null, empty, too long or holds NUL
     */
    public static byte[] encode(String what, String name) {
        if (name == null) {
            throw new IllegalArgumentException(what + " must not be null");
        }
        byte[] b = name.getBytes(StandardCharsets.UTF_8);
        if (b.length == 0) {
            throw new IllegalArgumentException(what + " must not be empty");
        }
        if (b.length > MAX) {
            throw new IllegalArgumentException(what + " is " + b.length + " bytes of UTF-8; at most " + MAX);
        }
        if (name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(what + " must not contain NUL");
        }
        return b;
    }
}
