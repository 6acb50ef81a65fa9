package dev.sluice.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds events raised inside a transaction until it has committed. Code deep in a transaction (the run finishing
 * inside the decider's step) calls {@link #raise}; the caller that owns the transaction wraps it in
 * {@link #publishingAfter}, which delivers them only once the transaction returned normally. Events raised outside
 * such a block are dropped: nothing would tell whether they committed.
 */
final class RunEventBus {
    private static final Logger log = LoggerFactory.getLogger(RunEventBus.class);

    private final List<RunEvents> listeners = new CopyOnWriteArrayList<>();
    private final ThreadLocal<List<Consumer<RunEvents>>> pending = new ThreadLocal<>();

    void add(RunEvents listener) {
        listeners.add(listener);
    }

    /** False when nobody listens: callers skip building events at all (the hot path pays nothing). */
    boolean active() {
        return !listeners.isEmpty();
    }

    void raise(Consumer<RunEvents> event) {
        List<Consumer<RunEvents>> list = pending.get();
        if (list != null) list.add(event);
    }

    /** Runs {@code transaction} (which commits before returning) and then delivers what it raised. */
    <T> T publishingAfter(Supplier<T> transaction) {
        if (!active() || pending.get() != null) return transaction.get();
        List<Consumer<RunEvents>> list = new ArrayList<>();
        pending.set(list);
        T result;
        try {
            result = transaction.get();
        } finally {
            pending.remove();
        }
        for (Consumer<RunEvents> e : list) {
            for (RunEvents l : listeners) {
                try {
                    e.accept(l);
                } catch (RuntimeException ex) {
                    log.warn("Run event listener {} failed: {}", l.getClass().getSimpleName(), ex.toString());
                }
            }
        }
        return result;
    }
}
