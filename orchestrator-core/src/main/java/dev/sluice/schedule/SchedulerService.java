package dev.sluice.schedule;

import dev.sluice.dag.Dag;
import dev.sluice.dag.TaskDef;
import dev.sluice.engine.DagSync;
import dev.sluice.engine.Engine;
import dev.sluice.store.PoolRepository;
import dev.sluice.store.ScheduleRepository;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.quartz.SchedulerException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps Quartz's triggers in line with the DAGs: a new or changed schedule is armed to fire at once (which creates
 * what is due — missed runs with catchup), a DAG that lost its schedule or went inactive loses its trigger.
 * Listen to {@link DagSync} with {@link #onSync} and edits to DAG files take effect without a restart.
 */
public final class SchedulerService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SchedulerService.class);

    private final Engine engine;
    private final ScheduleRepository schedules;
    private final PoolRepository pools;
    private final ScheduledRunCreator firing;
    private final QuartzTriggers triggers;
    private final Clock clock;
    private final AssetTriggers assetTriggers;
    private volatile boolean started;
    /** Monotonic time of the last full reconciliation (0: none yet); not the injected clock, which tests fix. */
    private volatile long lastFullSync;

    private static final java.time.Duration FULL_SYNC_EVERY = java.time.Duration.ofMinutes(1);

    public SchedulerService(Engine engine, SchedulerConfig config) {
        this(engine, config, java.util.function.UnaryOperator.identity());
    }

    /** {@code observe} wraps what Quartz calls, so the cluster test can count fires per member. */
    SchedulerService(Engine engine, SchedulerConfig config, java.util.function.UnaryOperator<ScheduleFiring> observe) {
        this.engine = engine;
        this.clock = engine.clock();
        var dsl = engine.database().dsl();
        this.schedules = new ScheduleRepository(dsl);
        this.pools = new PoolRepository(dsl);
        this.firing = new ScheduledRunCreator(schedules, engine.dags(), engine.runs(), clock);
        this.triggers = new QuartzTriggers(engine.database().dataSource(), observe.apply(firing), clock, config);
        this.assetTriggers = new AssetTriggers(engine, AssetTriggers.DEFAULT_SWEEP);
    }

    /** Creates the runs of DAGs scheduled on assets; started and stopped with this service. */
    public AssetTriggers assetTriggers() {
        return assetTriggers;
    }

    /** The fire logic without Quartz: what tests (and a "run the schedule now" button) call. */
    public ScheduleFiring firing() {
        return firing;
    }

    public synchronized SchedulerService start() {
        if (started) return this;
        syncSchedules();
        triggers.start();
        assetTriggers.start();
        started = true;
        log.info("Scheduler started");
        return this;
    }

    /** For {@link DagSync#onSync}: reschedule changed DAGs, drop the schedules of gone ones, check pool names. */
    public void onSync(DagSync.Result result) {
        // Arming checks each DAG's Quartz job (a query each): a pass that changed nothing costs nothing, and the
        // whole set is reconciled once a minute to pick up what other sources changed or a re-arm that failed.
        if (fullSyncDue()) syncSchedules();
        else if (!result.changed().isEmpty() || !result.retired().isEmpty()) {
            java.util.Set<String> touched = new java.util.HashSet<>(result.changed());
            touched.addAll(result.retired());
            syncSchedules(touched);
        }
        for (String dagId : result.changed()) {
            var loaded = result.dags().get(dagId);
            if (loaded == null) continue;
            var unknown = pools.unknown(loaded.dag().tasks().stream()
                    .map(TaskDef::pool)
                    .filter(p -> p != null)
                    .toList());
            if (!unknown.isEmpty()) {
                log.warn(
                        "DAG {} uses pools that do not exist: {}; its tasks in them run without a pool limit "
                                + "until the pools are created",
                        dagId,
                        unknown);
            }
        }
    }

    /**
     * Arms every active scheduled DAG whose schedule is new or changed, removes the others. An unchanged schedule
     * whose trigger is gone although the schedule has fires left (a re-arm that failed) is armed again, so no
     * path leaves a wanted schedule dead.
     */
    public synchronized void syncSchedules() {
        lastFullSync = System.nanoTime();
        Map<String, String> armed = new HashMap<>(triggers.scheduled());
        java.util.Set<String> withTrigger = triggers.withTrigger();
        Instant now = clock.instant();
        for (var status : schedules.activeScheduled()) {
            Dag dag = engine.dags().version(status.latestVersionId());
            Optional<CronSchedule> cron = CronSchedule.of(dag);
            if (cron.isEmpty()) continue;
            String spec = spec(dag);
            String was = armed.remove(dag.id());
            String why;
            if (!spec.equals(was)) why = was == null ? "new" : "changed";
            else if (!withTrigger.contains(dag.id())
                    && cron.get().nextRunAfter(now).isPresent()) why = "trigger was lost";
            else continue;
            log.info("DAG {}: schedule {} {} ({})", dag.id(), dag.schedule(), dag.timezone(), why);
            triggers.arm(dag.id(), spec, now);
        }
        for (String gone : armed.keySet()) {
            log.info("DAG {}: schedule removed", gone);
            triggers.remove(gone);
        }
    }

    /** {@link #syncSchedules()} for just these DAGs: what one folder pass changed or retired. */
    public synchronized void syncSchedules(java.util.Set<String> dagIds) {
        Instant now = clock.instant();
        java.util.Set<String> left = new java.util.HashSet<>(dagIds);
        for (var status : schedules.activeScheduled()) {
            if (!left.remove(status.dagId())) continue;
            Dag dag = engine.dags().version(status.latestVersionId());
            Optional<CronSchedule> cron = CronSchedule.of(dag);
            String was = triggers.spec(dag.id());
            if (cron.isEmpty()) {
                if (was != null) {
                    log.info("DAG {}: schedule removed", dag.id());
                    triggers.remove(dag.id());
                }
                continue;
            }
            String spec = spec(dag);
            if (spec.equals(was)
                    && (triggers.hasTrigger(dag.id())
                            || cron.get().nextRunAfter(now).isEmpty())) continue;
            log.info(
                    "DAG {}: schedule {} {} ({})",
                    dag.id(),
                    dag.schedule(),
                    dag.timezone(),
                    was == null ? "new" : spec.equals(was) ? "trigger was lost" : "changed");
            triggers.arm(dag.id(), spec, now);
        }
        for (String gone : left) {
            if (triggers.spec(gone) == null) continue;
            log.info("DAG {}: schedule removed", gone);
            triggers.remove(gone);
        }
    }

    private boolean fullSyncDue() {
        long at = lastFullSync;
        return at == 0 || System.nanoTime() - at >= FULL_SYNC_EVERY.toNanos();
    }

    /** Pauses a DAG: no scheduled runs until it is unpaused. Runs already created go on. */
    public boolean pause(String dagId) {
        return engine.dags().setPaused(dagId, true);
    }

    /**
     * Unpauses a DAG and fires its schedule now: with catchup the missed intervals are created, oldest first;
     * without, at most the latest interval's run.
     */
    public boolean unpause(String dagId) {
        if (!engine.dags().setPaused(dagId, false)) return false;
        // events that arrived while paused stayed queued: a DAG scheduled on them may be due now
        assetTriggers.wake();
        if (triggers.scheduled().containsKey(dagId)) {
            try {
                triggers.rearm(dagId, clock.instant());
            } catch (SchedulerException e) {
                throw new IllegalStateException("cannot fire the schedule of DAG " + dagId + ": " + e.getMessage(), e);
            }
        }
        return true;
    }

    /** When the DAG's schedule fires next (clock time), if it is scheduled. */
    public Optional<Instant> nextFire(String dagId) {
        return Optional.ofNullable(triggers.nextFire(dagId));
    }

    /** What makes a schedule different: a change to any of these re-arms the trigger. */
    static String spec(Dag dag) {
        return String.join(
                "|",
                dag.schedule(),
                String.valueOf(dag.timezone()),
                String.valueOf(dag.startDate()),
                String.valueOf(dag.endDate()),
                String.valueOf(dag.catchup()));
    }

    @Override
    public synchronized void close() {
        assetTriggers.close();
        triggers.close();
        started = false;
    }
}
