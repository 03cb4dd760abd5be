/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The events of one {@link FlowSet#wait(FlowEventQueue, java.time.Duration)},
 * in order: Ouroboros's {@code fqueue_t}. Each wait replaces the content.
 * Not thread-safe: one thread waits and drains it.
 *
 * <pre>{@code
 * FlowEventQueue fq = new FlowEventQueue();
 * try (FlowSet set = new FlowSet(f1, f2)) {
 *     set.wait(fq, Duration.ofSeconds(1));
 *     for (FlowEvent e; (e = fq.next()) != null; ) {
 *         if (e.type() == FlowEventType.PACKET) { ... e.flow().readMessage(buf) ... }
 *     }
 * }
 * }</pre>
 */
public final class FlowEventQueue implements Iterable<FlowEvent> {
    private final ArrayDeque<FlowEvent> events = new ArrayDeque<>();

    /** An empty queue. */
    public FlowEventQueue() {
    }

    /**
     * Takes the next event.
     *
     * @return the event, or {@code null} when the queue is drained
     */
    public FlowEvent next() {
        return events.pollFirst();
    }

    /** @return the number of events not yet taken */
    public int size() {
        return events.size();
    }

    /** @return whether every event was taken */
    public boolean isEmpty() {
        return events.isEmpty();
    }

    /** Iterates over the events left, taking each. */
    @Override
    public Iterator<FlowEvent> iterator() {
        List<FlowEvent> left = new ArrayList<>(events);
        events.clear();
        return left.iterator();
    }

    void clear() {
        events.clear();
    }

    void add(FlowEvent e) {
        events.addLast(e);
    }
}
