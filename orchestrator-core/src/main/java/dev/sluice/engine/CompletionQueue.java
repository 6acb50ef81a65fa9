package dev.sluice.engine;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Finished attempts waiting to be recorded, shared by a worker's recorders. A recorder takes a batch only of runs
 * that no other recorder is recording at that moment, and gives them back with {@link #done}: recording locks the
 * batch's runs until commit, so two recorders holding batches of one run would only wait on each other (a wide
 * run's tasks all finish together), while any idle recorder can still take the next finished attempt of another
 * run at once (a queue per recorder would leave it waiting behind its own recorder's commit).
 */
final class CompletionQueue {
    private final ArrayDeque<Completion> waiting = new ArrayDeque<>();
    private final Set<Long> recording = new HashSet<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();

    void add(Completion c) {
        lock.lock();
        try {
            waiting.add(c);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Up to {@code max} finished attempts, oldest first, of runs no other recorder holds; waits up to {@code timeout}
     * for one. Empty when none came. The caller must pass what it got to {@link #done} when its batch is recorded.
     */
    List<Completion> take(int max, long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        lock.lock();
        try {
            while (true) {
                List<Completion> batch = new ArrayList<>();
                Set<Long> runs = new HashSet<>();
                for (Iterator<Completion> it = waiting.iterator(); it.hasNext() && batch.size() < max; ) {
                    Completion c = it.next();
                    long run = c.claimed().runKey();
                    if (recording.contains(run)) continue;
                    batch.add(c);
                    runs.add(run);
                    it.remove();
                }
                if (!batch.isEmpty()) {
                    recording.addAll(runs);
                    return batch;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) return batch;
                changed.awaitNanos(left);
            }
        } finally {
            lock.unlock();
        }
    }

    /** The batch is recorded (or given up on): its runs may be taken by any recorder again. */
    void done(List<Completion> batch) {
        lock.lock();
        try {
            for (Completion c : batch) recording.remove(c.claimed().runKey());
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    boolean isEmpty() {
        lock.lock();
        try {
            return waiting.isEmpty();
        } finally {
            lock.unlock();
        }
    }
}
