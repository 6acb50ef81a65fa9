package dev.sluice.engine;

import dev.sluice.store.LogStore;
import dev.sluice.store.TaskInstanceRepository;
import dev.sluice.store.TaskInstanceRepository.Claimed;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jooq.DSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Claims ready task instances into free slots, runs them on virtual threads, and records their results in
 * batches. Two loops: the claim loop sleeps on a {@link Waiter} until a slot frees, work is queued (locally or by
 * NOTIFY), a retry comes due, or the fallback poll interval passes; the completion loop drains finished attempts.
 */
final class Worker {
    private static final Logger log = LoggerFactory.getLogger(Worker.class);

    private final String workerId;
    private final DSLContext dsl;
    private final TaskInstanceRepository tasks;
    private final CompletionRecorder recorder;
    private final AttemptRunner runner;
    private final LogStore logs;
    private final Clock clock;
    private final EngineConfig config;
    final Waiter waiter = new Waiter();
    private final AtomicInteger free;
    private final Map<Long, AttemptHandle> running = new ConcurrentHashMap<>();
    private final CompletionQueue completions = new CompletionQueue();
    private final ExecutorService executor = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("sluice-task-", 0).factory());
    /**
     * When retries and rescheduled sensor checks recorded here come due: the claim loop wakes at the earliest, so
     * each waits for its own time, not for the fallback poll. Due times are dropped as they pass.
     */
    private final ConcurrentSkipListSet<Instant> wakeAt = new ConcurrentSkipListSet<>();

    private volatile boolean claiming = true;
    /**
     * Whether the last claim, by the claim loop or a recorder, took as many tasks as it had slots for: then more
     * are probably waiting, and recorders offer their batches' slots even when the batch made nothing ready.
     */
    private volatile boolean backlog;

    private volatile boolean stopped;
    private volatile boolean started;
    private Thread claimThread;
    /**
     * Several recorders: a batch's transaction mostly waits on PostgreSQL (statements, then the commit's fsync),
     * so a second batch can be on its way meanwhile and commits group together. Runs are locked in id order,
     * so concurrent batches touching one run serialise there instead of deadlocking. Three: measured to the moment
     * a task's code starts (BENCHMARKS.md §1), 100 concurrent runs hand off in 25–30 ms (median) with three
     * recorders, 39–44 ms with six (smaller batches, more transactions on a saturated 2-core machine) and 48–51 ms
     * with two; six only shortened the wait before a batch begins, which the started_at timestamp shows.
     */
    private static final int RECORDERS = 3;

    private final List<Thread> completionThreads = new ArrayList<>();

    Worker(
            String workerId,
            DSLContext dsl,
            TaskInstanceRepository tasks,
            CompletionRecorder recorder,
            AttemptRunner runner,
            LogStore logs,
            Clock clock,
            EngineConfig config) {
        this.workerId = workerId;
        this.dsl = dsl;
        this.tasks = tasks;
        this.recorder = recorder;
        this.runner = runner;
        this.logs = logs;
        this.clock = clock;
        this.config = config;
        this.free = new AtomicInteger(config.slots());
    }

    void start() {
        started = true;
        claimThread = Thread.ofPlatform().name("sluice-claim-" + workerId).start(this::claimLoop);
        for (int i = 0; i < RECORDERS; i++) {
            completionThreads.add(Thread.ofPlatform()
                    .name("sluice-complete-" + i + "-" + workerId)
                    .start(this::completionLoop));
        }
    }

    void wake() {
        waiter.wake();
    }

    Map<Long, AttemptHandle> running() {
        return running;
    }

    /** Also used by the reaper: results of other workers' lost attempts go through the same path. */
    CompletionRecorder.Result record(List<Completion> batch) {
        return recorder.record(batch, clock.instant());
    }

    private void claimLoop() {
        while (!stopped) {
            try {
                int n = claiming ? free.get() : 0;
                if (n > 0) {
                    List<Claimed> got = tasks.claim(dsl, workerId, config.queues(), n, clock.instant(), logs);
                    backlog = got.size() == n;
                    for (Claimed c : got) launch(c);
                    if (got.size() == n) continue; // there may be more: claim again once slots free
                }
                waiter.await(untilNextWake());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                if (stopped) return;
                log.warn("Claiming work failed, retrying: {}", e.toString());
                sleepQuietly(Duration.ofMillis(500));
            }
        }
    }

    private Duration untilNextWake() {
        Duration d = config.pollInterval();
        Instant now = clock.instant();
        boolean due = false;
        for (Instant first; (first = wakeAt.isEmpty() ? null : wakeAt.first()) != null && !first.isAfter(now); ) {
            wakeAt.remove(first);
            due = true;
        }
        if (due) return Duration.ZERO;
        Instant next = wakeAt.isEmpty() ? null : wakeAt.first();
        if (next != null) {
            Duration toNext = Duration.between(now, next);
            if (toNext.compareTo(d) < 0) d = toNext;
        }
        return d;
    }

    private void launch(Claimed c) {
        free.decrementAndGet();
        start(c);
    }

    /** Starts an attempt whose slot is already taken. */
    private void start(Claimed c) {
        AttemptHandle h = new AttemptHandle(c);
        running.put(c.tiId(), h);
        executor.execute(() -> completions.add(runner.run(h, workerId)));
    }

    private void completionLoop() {
        while (!stopped || !completions.isEmpty() || !running.isEmpty()) {
            List<Completion> batch;
            try {
                batch = completions.take(config.completionBatch(), 200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (batch.isEmpty()) continue;
            try {
                // The batch's slots, plus any idle ones taken now, are offered to the work it makes ready; taking
                // them from the shared count first means two recorders never offer the same slot.
                int extra = claiming ? takeFree() : 0;
                int offer = claiming ? batch.size() + extra : 0;
                CompletionRecorder.Result r = recordWithRetry(batch, offer);
                for (Completion c : batch) running.remove(c.claimed().tiId());
                int launched = 0;
                if (r != null) {
                    for (Claimed c : r.claimed()) start(c);
                    launched = r.claimed().size();
                    if (r.claimTried()) backlog = launched == offer;
                }
                free.addAndGet(batch.size() + extra - launched);
                if (r != null) wakeAt.addAll(r.readyLater());
                waiter.wake();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                completions.done(batch);
            }
        }
    }

    /**
     * Work this node's own code just made ready (run creation), offered to this worker's free slots inside the
     * transaction that made it ready: the first tasks of a run then start with its commit, not after a wake-up
     * and a claim of their own. Null when nothing is offered (no free slot, not claiming). The caller starts or
     * abandons the offer once its transaction committed or failed.
     */
    Offer offer(DSLContext tx, Instant now) {
        if (!started || !claiming || stopped) return null;
        int n = takeFree();
        if (n == 0) return null;
        try {
            List<Claimed> got = tasks.claimIn(tx, workerId, config.queues(), n, now, logs);
            backlog = got.size() == n;
            return new Offer(got, n);
        } catch (RuntimeException e) {
            free.addAndGet(n);
            throw e;
        }
    }

    /** Attempts claimed in a caller's transaction, with the slots taken for them. */
    final class Offer {
        private final List<Claimed> claimed;
        private final int slots;

        private Offer(List<Claimed> claimed, int slots) {
            this.claimed = claimed;
            this.slots = slots;
        }

        /** The transaction committed: run what it claimed, give back the slots it did not use. */
        void start() {
            for (Claimed c : claimed) Worker.this.start(c);
            free.addAndGet(slots - claimed.size());
            waiter.wake();
        }

        /** The transaction rolled back: nothing was claimed. */
        void abandon() {
            free.addAndGet(slots);
            waiter.wake();
        }
    }

    private int takeFree() {
        while (true) {
            int f = free.get();
            if (f <= 0) return 0;
            if (free.compareAndSet(f, 0)) return f;
        }
    }

    /**
     * Transient database faults (a deadlock victim, a failover) must not lose a result: the transaction rolled
     * back whole, so trying again is safe. After repeated failure the attempts stay "running" and the reaper
     * retries them once this worker is gone.
     */
    private CompletionRecorder.Result recordWithRetry(List<Completion> batch, int offer) throws InterruptedException {
        for (int i = 1; ; i++) {
            try {
                return recorder.record(batch, clock.instant(), workerId, config.queues(), offer, backlog, logs);
            } catch (RuntimeException e) {
                if (i >= 10 || stopped && i >= 3) {
                    log.error("Could not record {} finished attempts: {}", batch.size(), e.toString());
                    return null;
                }
                log.warn("Recording finished attempts failed (try {}), retrying: {}", i, e.toString());
                Thread.sleep(Math.min(5000, 50L << i));
            }
        }
    }

    /**
     * Drains: stops claiming, lets running attempts finish for up to {@code drain}, then hands the rest back (queued
     * again for another worker, no try spent) — a routine stop must not fail tasks that have no retries.
     */
    void stop(Duration drain) {
        claiming = false;
        waiter.wake();
        if (!running.isEmpty())
            log.info(
                    "Worker {} stopping: waiting up to {} for {} running attempt(s)",
                    workerId,
                    dev.sluice.task.Durations.format(drain),
                    running.size());
        Instant deadline = Instant.now().plus(drain);
        while (!running.isEmpty() && Instant.now().isBefore(deadline)) sleepQuietly(Duration.ofMillis(20));
        if (!running.isEmpty())
            log.info("Worker {} handing back {} attempt(s) that did not finish in time", workerId, running.size());
        for (AttemptHandle h : running.values()) h.stop(Outcome.HANDED_BACK);
        deadline = Instant.now().plusSeconds(5);
        while (!running.isEmpty() && Instant.now().isBefore(deadline)) sleepQuietly(Duration.ofMillis(20));
        stopped = true;
        waiter.wake();
        joinQuietly(claimThread);
        for (Thread t : completionThreads) joinQuietly(t);
        executor.shutdownNow();
    }

    private static void joinQuietly(Thread t) {
        if (t == null) return;
        try {
            t.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleepQuietly(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
