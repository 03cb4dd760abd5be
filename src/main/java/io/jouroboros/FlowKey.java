/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.Selector;
import java.nio.channels.spi.AbstractSelectionKey;

/**
 * A registration of a flow channel with a {@link FlowSelector}. Extends
 * {@link AbstractSelectionKey}, so cancel and deregistration follow the JDK.
 */
final class FlowKey extends AbstractSelectionKey {
    private final SelectableChannel channel;
    private final SelChannel sel;
    private final FlowSelector selector;

    private volatile int interestOps;
    private volatile int readyOps;

    // Owned by the selector (under its lock).
    int slot = -1;
    boolean armed;
    int armedHandle = -1; // the handle armed with (guarded by the selector's lock)
    int registeredInterest = -1;
    // guarded by the selector's lock:
    boolean inRing; // in its ringKeys or ringNew
    long notedIn = -1; // the select that noted it ready
    int notedOps; // what that select noted

    FlowKey(SelectableChannel channel, FlowSelector selector) {
        this.channel = channel;
        this.sel = channel instanceof Flow ? ((Flow) channel).sel : ((FlowServerChannel) channel).sel;
        this.selector = selector;
    }

    SelChannel sel() {
        return sel;
    }

    @Override
    public SelectableChannel channel() {
        return channel;
    }

    @Override
    public Selector selector() {
        return selector;
    }

    private void ensureValid() {
        if (!isValid()) {
            throw new CancelledKeyException();
        }
    }

    @Override
    public int interestOps() {
        ensureValid();
        return interestOps;
    }

    @Override
    public FlowKey interestOps(int ops) {
        ensureValid();
        if ((ops & ~channel.validOps()) != 0) {
            throw new IllegalArgumentException("invalid interest ops " + ops + " for " + channel);
        }
        interestOps = ops;
        selector.setEventOps(this);
        return this;
    }

    int nioInterestOps() {
        return interestOps;
    }

    @Override
    public int readyOps() {
        ensureValid();
        return readyOps;
    }

    void readyOps(int ops) {
        readyOps = ops;
    }

    int nioReadyOps() {
        return readyOps;
    }

    @Override
    public String toString() {
        return "FlowKey[" + channel + (isValid() ? ", interest=" + interestOps + ", ready=" + readyOps
                : ", cancelled") + "]";
    }
}
