/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.irm;

/**
 * What {@link Irm#autoboot(String)} did.
 *
 * @param name the name now reachable
 * @param ipcp the local IPCP the name is registered in; {@code null} on the
 *             embedded layer, where there is nothing to bring up
 * @param ipcpCreated whether autoboot created and bootstrapped that IPCP
 * @param nameCreated whether autoboot created the name (round-robin)
 */
public record AutobootResult(String name, IpcpInfo ipcp, boolean ipcpCreated, boolean nameCreated) {
}
