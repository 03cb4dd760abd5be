/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

/**
 * One event of a {@link FlowEventQueue}: what happened on which flow; the
 * seed's {@code f, t = fq.next()}.
 *
 * @param flow the flow
 * @param type what happened
 */
public record FlowEvent(Flow flow, FlowEventType type) {
}
