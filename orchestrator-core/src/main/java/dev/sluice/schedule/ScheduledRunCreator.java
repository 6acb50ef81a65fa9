package dev.sluice.schedule;

import dev.sluice.dag.Dag;
import dev.sluice.engine.RunCoordinator;
import dev.sluice.store.DagRepository;
import dev.sluice.store.RunRepository.RunExistsException;
import dev.sluice.store.ScheduleRepository;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fired job's logic. It reads everything from the database at fire time — the DAG's latest version, active and
 * paused flags, its newest scheduled run — so a stale trigger can never create a run the DAG no longer wants.
 *
 * <ul>
 *   <li>catchup: every interval that ended since the newest scheduled run (or since start_date), oldest first;
 *   <li>no catchup: only the latest ended interval, if it has no run yet — unpausing after a month creates one
 *       run, not thirty;
 *   <li>paused: nothing, but the schedule keeps ticking so unpausing picks up from the right place.
 * </ul>
 * A run that already exists (another server fired too, or someone triggered that date by hand) is the unique key
 * on (dag_id, logical_date) doing its job: logged at debug, skipped.
 */
public final class ScheduledRunCreator implements ScheduleFiring {
    private static final Logger log = LoggerFactory.getLogger(ScheduledRunCreator.class);
    /** Catchup creates at most this many runs per fire and fires again at once: a long-dead DAG cannot stall us. */
    static final int MAX_RUNS_PER_FIRE = 500;

    private final ScheduleRepository schedules;
    private final DagRepository dags;
    private final RunCoordinator runs;
    private final Clock clock;

    public ScheduledRunCreator(ScheduleRepository schedules, DagRepository dags, RunCoordinator runs, Clock clock) {
        this.schedules = schedules;
        this.dags = dags;
        this.runs = runs;
        this.clock = clock;
    }

    @Override
    public Fired fire(String dagId) {
        var status = schedules.status(dagId).orElse(null);
        if (status == null || !status.active() || status.latestVersionId() == null) return Fired.notWanted();
        Dag dag = dags.version(status.latestVersionId());
        Optional<CronSchedule> schedule = CronSchedule.of(dag);
        if (schedule.isEmpty()) return Fired.notWanted();
        CronSchedule cron = schedule.get();
        Instant now = clock.instant();
        Instant next = cron.nextRunAfter(now).orElse(null);
        if (status.paused()) return new Fired(List.of(), next);

        List<Interval> due = due(dag, cron, now);
        List<Instant> created = new ArrayList<>();
        for (Interval i : due) {
            try {
                runs.createRun(dagId, "scheduled", i.start(), i.start(), i.end(), Map.of(), "scheduler");
                created.add(i.start());
            } catch (RunExistsException e) {
                log.debug("DAG {} already has a run for {}: not creating another", dagId, i.start());
            }
        }
        if (!created.isEmpty())
            log.info(
                    "DAG {}: created {} scheduled run(s), {} .. {}",
                    dagId,
                    created.size(),
                    created.get(0),
                    created.get(created.size() - 1));
        if (due.size() >= MAX_RUNS_PER_FIRE) next = now; // more to catch up: fire again right away
        return new Fired(created, next);
    }

    private List<Interval> due(Dag dag, CronSchedule cron, Instant now) {
        Optional<Instant> last = schedules.lastScheduledLogicalDate(dag.id());
        Optional<Interval> latest = cron.latestEndedBy(now);
        if (latest.isEmpty()) return List.of();
        if (last.isPresent() && !latest.get().start().isAfter(last.get())) return List.of();
        if (!dag.catchup()) return List.of(latest.get());
        if (last.isPresent()) return cron.endedBetween(last.get().plusNanos(1), now, MAX_RUNS_PER_FIRE);
        // Catchup without any earlier run goes back to start_date; without a start_date there is nothing to catch up.
        if (dag.startDate() == null) return List.of(latest.get());
        return cron.endedBetween(dag.startDate().atStartOfDay(cron.zone()).toInstant(), now, MAX_RUNS_PER_FIRE);
    }
}
