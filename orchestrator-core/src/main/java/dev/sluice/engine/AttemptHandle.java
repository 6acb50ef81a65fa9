package dev.sluice.engine;

import dev.sluice.store.TaskInstanceRepository.Claimed;
import java.util.concurrent.atomic.AtomicReference;

/** A running attempt as the worker sees it: its thread, so a timeout or cancel can interrupt it. */
final class AttemptHandle {
    final Claimed claimed;
    private final AtomicReference<Outcome> stopReason = new AtomicReference<>();
    private volatile Thread thread;

    AttemptHandle(Claimed claimed) {
        this.claimed = claimed;
    }

    void bind(Thread t) {
        thread = t;
    }

    /** Asks the attempt to stop; the first reason wins (a timeout that races a cancel stays a timeout). */
    void stop(Outcome reason) {
        if (stopReason.compareAndSet(null, reason)) {
            Thread t = thread;
            if (t != null) t.interrupt();
        }
    }

    Outcome stopReason() {
        return stopReason.get();
    }

    boolean isStopped() {
        return stopReason.get() != null;
    }
}
