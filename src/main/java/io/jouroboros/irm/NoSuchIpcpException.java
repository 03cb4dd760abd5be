/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.irm;

import io.jouroboros.internal.Errors;

/**
 * No IPCP the IRMd lists has the given pid or name. {@link Irm#destroyIpcp(int)}
 * throws it rather than let the IRMd signal a process that is not one of
 * its IPCPs. Its code is {@code EIPCP}.
 */
public class NoSuchIpcpException extends IrmException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param code the code of {@code EIPCP}
     * @param message which IPCP was looked for
     */
    public NoSuchIpcpException(int code, String message) {
        super(code, Errors.name(code), message);
    }
}
