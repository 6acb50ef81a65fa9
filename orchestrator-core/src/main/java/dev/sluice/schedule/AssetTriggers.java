package dev.sluice.schedule;

import dev.sluice.dag.AssetSchedule;
import dev.sluice.dag.Dag;
import dev.sluice.engine.Engine;
import dev.sluice.engine.NotificationListener;
import dev.sluice.store.AssetRepository;
import dev.sluice.store.ScheduleRepository;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the runs of DAGs scheduled on assets. Woken by {@link AssetRepository#CHANNEL} when any process records
 * an event, with a slow sweep as the safety net for a lost notification; any number of schedulers may run it.
 *
 * <p>For each consumer DAG with queued events it locks the DAG's trigger cursor, reads the queue, and when the
 * condition holds ({@code all}: every listed asset has an event; {@code any}: one has) creates the run and consumes
 * exactly the events it read, in one transaction: a second scheduler waits on the cursor, then finds those events
 * gone. The run's logical date is the time of triggering; its data interval spans its events' times.
 */
public final class AssetTriggers implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AssetTriggers.class);
    /** The sweep's default period: notifications do the real work. */
    public static final Duration DEFAULT_SWEEP = Duration.ofSeconds(30);

    private final Engine engine;
    private final DSLContext dsl;
    private final AssetRepository assets = new AssetRepository();
    private final ScheduleRepository schedules;
    private final Clock clock;
    private final Duration sweep;
    private final AtomicBoolean checkPending = new AtomicBoolean();
    private ScheduledExecutorService executor;
    private NotificationListener listener;

    public AssetTriggers(Engine engine, Duration sweep) {
        this.engine = engine;
        this.dsl = engine.database().dsl();
        this.schedules = new ScheduleRepository(dsl);
        this.clock = engine.clock();
        this.sweep = sweep;
    }

    public synchronized AssetTriggers start() {
        if (executor != null) return this;
        executor = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("sluice-asset-triggers").daemon().factory());
        executor.scheduleWithFixedDelay(this::checkGuarded, 0, sweep.toMillis(), TimeUnit.MILLISECONDS);
        listener = new NotificationListener(engine.database(), AssetRepository.CHANNEL, this::wake);
        listener.start();
        return this;
    }

    /** Asks for a check soon; wakes arriving while one is pending fold into it. */
    public void wake() {
        ScheduledExecutorService e = executor;
        if (e != null && checkPending.compareAndSet(false, true)) {
            try {
                e.execute(this::checkGuarded);
            } catch (java.util.concurrent.RejectedExecutionException closed) {
                checkPending.set(false);
            }
        }
    }

    private void checkGuarded() {
        checkPending.set(false);
        try {
            checkAll();
        } catch (RuntimeException ex) {
            log.warn("asset trigger check failed (the sweep retries): {}", ex.toString());
        }
    }

    /** Checks every consumer DAG with queued events; returns the keys of the runs created. */
    public List<Long> checkAll() {
        List<Long> created = new ArrayList<>();
        for (String dagId : assets.consumersWithQueuedEvents(dsl)) {
            try {
                Long run = check(dagId);
                if (run != null) created.add(run);
            } catch (RuntimeException e) {
                log.warn("DAG {}: asset trigger failed: {}", dagId, e.toString());
            }
        }
        return created;
    }

    /** Creates the DAG's asset-triggered run if its assets call for one; the new run's key, or null. */
    public Long check(String dagId) {
        Long run = dsl.transactionResult(cfg -> checkIn(DSL.using(cfg), dagId));
        if (run != null) {
            engine.wake();
            log.info("DAG {}: created asset-triggered run {}", dagId, run);
        }
        return run;
    }

    private Long checkIn(DSLContext tx, String dagId) {
        Instant last = assets.lockCursor(tx, dagId).orElse(null);
        var status = schedules.status(dagId).orElse(null);
        if (status == null || !status.active() || status.paused() || status.latestVersionId() == null) return null;
        Dag dag = engine.dags().version(status.latestVersionId());
        AssetSchedule on = dag.assetSchedule();
        List<AssetRepository.Queued> queued = assets.queued(tx, dagId);
        if (on == null) {
            assets.dropQueued(
                    tx,
                    dagId,
                    queued.stream().map(AssetRepository.Queued::eventId).toList());
            return null;
        }
        Set<String> wanted = new HashSet<>(on.assets());
        List<Long> stale = new ArrayList<>();
        List<AssetRepository.Queued> relevant = new ArrayList<>();
        for (var q : queued) {
            if (wanted.contains(q.uri())) relevant.add(q);
            else stale.add(q.eventId());
        }
        assets.dropQueued(tx, dagId, stale);
        Set<String> updated = new HashSet<>();
        for (var q : relevant) updated.add(q.uri());
        boolean due = on.when() == AssetSchedule.When.ALL ? updated.containsAll(wanted) : !updated.isEmpty();
        if (!due) return null;
        // The time of triggering, kept after the previous trigger's: one run per (DAG, logical date).
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        if (last != null && !now.isAfter(last)) now = last.plus(1, ChronoUnit.MICROS);
        Instant first = relevant.get(0).at();
        Instant lastEvent = first;
        for (var q : relevant) {
            if (q.at().isBefore(first)) first = q.at();
            if (q.at().isAfter(lastEvent)) lastEvent = q.at();
        }
        long runKey = engine.runs().createRunIn(tx, dagId, "asset", now, first, lastEvent, Map.of(), "assets");
        assets.consume(
                tx,
                dagId,
                relevant.stream().map(AssetRepository.Queued::eventId).toList(),
                runKey,
                now);
        return runKey;
    }

    @Override
    public synchronized void close() {
        if (listener != null) listener.close();
        if (executor != null) executor.shutdownNow();
        executor = null;
        listener = null;
    }
}
