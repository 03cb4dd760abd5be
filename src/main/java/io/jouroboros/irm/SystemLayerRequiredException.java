/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.irm;

import io.jouroboros.internal.Errors;

/**
 * The IRM call needs the system layer (a running Ouroboros IRMd), but this
 * process runs on the embedded layer, which has no IPCPs, layers or
 * program bindings, and no encryption. Its code is {@code ENOTSUP}.
 */
public class SystemLayerRequiredException extends IrmException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param code the code of {@code ENOTSUP}
     * @param operation the call, such as {@code "Irm.createIpcp"}
     */
    public SystemLayerRequiredException(int code, String operation) {
        super(code, Errors.name(code), operation + " needs the system layer (a running Ouroboros IRMd);"
                + " this process runs on the embedded layer, which has no IPCPs, layers or program"
                + " bindings (choose the layer with -Djouroboros.layer=system)");
    }

    /**
     * Creates the exception with the reason the embedded layer cannot do it.
     *
     * @param code the code of {@code ENOTSUP}
     * @param operation the call, such as {@code "Irm.createEncryptedName"}
     * @param why why the embedded layer cannot, for the message
     */
    public SystemLayerRequiredException(int code, String operation, String why) {
        super(code, Errors.name(code), operation + " needs the system layer (a running Ouroboros IRMd); "
                + why + " (choose the layer with -Djouroboros.layer=system)");
    }
}
