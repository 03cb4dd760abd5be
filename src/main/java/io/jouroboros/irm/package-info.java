/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * IRM management: the Ouroboros IPC Resource Manager's API
 * ({@code libouroboros-irm}) in Java form, after pyOuroboros's
 * {@code irm.py}. Start at {@link io.jouroboros.irm.Irm}.
 *
 * <p>It drives the IRMd of the system layer: IPCPs (create, bootstrap with
 * typed {@link io.jouroboros.irm.IpcpConfig}s, enroll, connect, list,
 * destroy), names (create with a {@link io.jouroboros.irm.LoadBalance}
 * policy and security paths, register in layers, list, destroy), and
 * bindings of programs, processes and IPCPs to names. On the embedded layer
 * the calls that make sense there work and the others throw
 * {@link io.jouroboros.irm.SystemLayerRequiredException}.
 */
package io.jouroboros.irm;
