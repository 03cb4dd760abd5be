/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

/** The layers a process can run its flows on; see {@link Ouroboros#layer()}. */
public enum Layer {
    /** The real Ouroboros on the machine, through its IRMd. */
    SYSTEM,
    /** jOuroboros's own local layer: processes of one user on one machine, no daemon. */
    EMBEDDED
}
