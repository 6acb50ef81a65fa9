package dev.sluice.schedule;

import dev.sluice.dag.Dag;
import dev.sluice.dag.TaskDef;
import dev.sluice.engine.Engine;
import dev.sluice.engine.RunEvents;
import dev.sluice.run.IllegalTransitionException;
import dev.sluice.run.RunState;
import dev.sluice.store.BackfillRepository;
import dev.sluice.store.BackfillRepository.BackfillRow;
import dev.sluice.store.BackfillRepository.ExistingRun;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Backfills: runs of type {@code backfill} for every schedule interval whose logical date is in [from, to],
 * oldest first, with at most {@code maxActiveRuns} of the backfill's runs unfinished at once. Runs are created
 * as earlier ones finish (a step after every finished run, and a periodic one), not all up front, so the limit
 * holds without the engine knowing about backfills and a long backfill does not flood the queue. The DAG's own
 * max_active_runs still applies on top.
 *
 * <p>An interval that already has a run is left alone, or re-run ({@link Reprocess#FAILED}: only failed or
 * cancelled runs, clearing their failed tasks; {@link Reprocess#ALL}: every finished run, clearing all tasks) —
 * the same clear the operator's "clear" does. Re-run runs count against the backfill's limit too.
 */
public final class BackfillService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BackfillService.class);

    public enum Reprocess {
        NONE,
        FAILED,
        ALL;

        String dbName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final Engine engine;
    private final DSLContext dsl;
    private final BackfillRepository backfills = new BackfillRepository();
    private ScheduledExecutorService ticker;

    public BackfillService(Engine engine) {
        this.engine = engine;
        this.dsl = engine.database().dsl();
    }

    /**
     * Starts a backfill and creates its first runs.
     *
     * @throws IllegalArgumentException for an unknown DAG, a DAG without a schedule, a bad range or limit, or a
     *                                  range that holds no schedule interval
     */
    public BackfillRow create(
            String dagId, Instant from, Instant to, int maxActiveRuns, Reprocess reprocess, String createdBy) {
        if (from.isAfter(to))
            throw new IllegalArgumentException("backfill range is empty: " + from + " is after " + to);
        if (maxActiveRuns < 1)
            throw new IllegalArgumentException("max_active_runs must be 1 or more, got " + maxActiveRuns);
        long version = engine.dags()
                .latestVersionId(dagId)
                .orElseThrow(() -> new IllegalArgumentException("unknown DAG " + dagId));
        CronSchedule cron = CronSchedule.of(engine.dags().version(version))
                .orElseThrow(() -> new IllegalArgumentException("DAG " + dagId + " has no schedule to backfill"));
        Instant first = cron.firstStartAtOrAfter(from, to)
                .orElseThrow(() -> new IllegalArgumentException("no schedule interval of DAG " + dagId + " ("
                        + cron.cron() + " " + cron.zone() + ") starts in [" + from + ", " + to + "]"));
        long id = backfills.insert(
                dsl,
                dagId,
                from,
                to,
                maxActiveRuns,
                reprocess.dbName(),
                first,
                createdBy,
                engine.clock().instant());
        log.info("Backfill {} of DAG {} created: [{}, {}], {} at a time", id, dagId, from, to, maxActiveRuns);
        step(id);
        return get(id).orElseThrow();
    }

    public Optional<BackfillRow> get(long id) {
        return backfills.get(dsl, id);
    }

    /** Backfills, newest first; all DAGs when {@code dagId} is null. */
    public List<BackfillRow> list(String dagId) {
        return backfills.list(dsl, dagId);
    }

    /** Stops creating runs and cancels the backfill's unfinished ones. */
    public BackfillRow cancel(long id) {
        BackfillRow b = get(id).orElseThrow(() -> new NoSuchElementException("no backfill " + id));
        if (backfills.finish(dsl, id, "cancelled", engine.clock().instant())) {
            for (long run : backfills.unfinishedRuns(dsl, id)) {
                try {
                    engine.control().cancel(run);
                } catch (IllegalTransitionException e) {
                    // finished meanwhile
                }
            }
            log.info("Backfill {} of DAG {} cancelled", id, b.dagId());
        }
        return get(id).orElseThrow();
    }

    /** Moves every running backfill on; safe to call from any number of servers at once. */
    public void stepAll() {
        for (long id : backfills.runningIds(dsl)) {
            try {
                step(id);
            } catch (RuntimeException e) {
                log.warn("Backfill {} could not move on: {}", id, e.toString());
            }
        }
    }

    /**
     * Creates (or re-runs) the backfill's next runs while fewer than its limit are unfinished, and finishes it once
     * every interval is dispatched and done. The backfill row is locked for the step so two servers do not both
     * take "the last free place"; runs are created in their own transactions (RunCoordinator's), so this
     * transaction holds no run rows a run's creation might wait for.
     */
    public void step(long id) {
        dsl.transaction(cfg -> {
            DSLContext tx = DSL.using(cfg);
            BackfillRow b = backfills.lockRunning(tx, id).orElse(null);
            if (b == null) return;
            Instant now = engine.clock().instant();
            Dag dag = engine.dags()
                    .version(engine.dags().latestVersionId(b.dagId()).orElseThrow());
            CronSchedule cron = CronSchedule.of(dag).orElse(null);
            if (cron == null) {
                log.warn("Backfill {}: DAG {} no longer has a schedule; stopping", id, b.dagId());
                backfills.advance(tx, id, null);
                b = new BackfillRow(
                        b.id(),
                        b.dagId(),
                        b.from(),
                        b.to(),
                        b.maxActiveRuns(),
                        b.reprocess(),
                        b.state(),
                        null,
                        b.createdBy(),
                        b.createdAt(),
                        b.endedAt());
            }
            int active = backfills.countUnfinished(tx, id);
            Instant next = b.nextDate();
            while (next != null && active < b.maxActiveRuns()) {
                if (dispatch(b, cron.intervalStartingAt(next), dag)) active++;
                next = cron.firstStartAtOrAfter(cron.fireAfter(next), b.to()).orElse(null);
            }
            backfills.advance(tx, id, next);
            if (next == null && backfills.countUnfinished(tx, id) == 0) {
                String state = backfills.anyFailed(tx, id) ? "failed" : "success";
                backfills.finish(tx, id, state, now);
                log.info("Backfill {} of DAG {} finished: {}", id, b.dagId(), state);
            }
        });
    }

    /** Creates or re-runs the interval's run; true when that added an unfinished run to the backfill. */
    private boolean dispatch(BackfillRow b, Interval interval, Dag dag) {
        String by = "backfill:" + b.id();
        Optional<ExistingRun> existing = backfills.runAt(dsl, b.dagId(), interval.start());
        if (existing.isEmpty()) {
            long key = engine.runs()
                    .createRun(b.dagId(), "backfill", interval.start(), interval.start(), interval.end(), Map.of(), by);
            backfills.adopt(dsl, key, b.id());
            return true;
        }
        ExistingRun run = existing.get();
        if (Long.valueOf(b.id()).equals(run.backfillId()) || by.equals(run.triggeredBy())) {
            // Ours already (a step that died between creating and recording it).
            backfills.adopt(dsl, run.key(), b.id());
            return !run.state().isTerminal();
        }
        Reprocess reprocess = Reprocess.valueOf(b.reprocess().toUpperCase(java.util.Locale.ROOT));
        boolean failed = run.state() == RunState.FAILED || run.state() == RunState.CANCELLED;
        if (reprocess == Reprocess.FAILED && failed) {
            engine.control().clearFailed(run.key());
        } else if (reprocess == Reprocess.ALL && run.state().isTerminal()) {
            engine.control()
                    .clear(run.key(), dag.tasks().stream().map(TaskDef::id).toList(), false, false);
        } else {
            return false;
        }
        backfills.adopt(dsl, run.key(), b.id());
        return true;
    }

    /** Steps backfills every {@code every} and whenever a run finishes. */
    public synchronized BackfillService start(Duration every) {
        if (ticker != null) return this;
        ticker = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("sluice-backfill").factory());
        ticker.scheduleWithFixedDelay(this::stepAll, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
        ScheduledExecutorService t = ticker;
        engine.onEvents(new RunEvents() {
            @Override
            public void runFinished(RunFinished e) {
                if (!t.isShutdown()) t.execute(BackfillService.this::stepAll);
            }
        });
        return this;
    }

    @Override
    public synchronized void close() {
        if (ticker != null) ticker.shutdownNow();
    }
}
