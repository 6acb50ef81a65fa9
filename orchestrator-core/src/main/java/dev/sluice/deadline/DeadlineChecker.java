package dev.sluice.deadline;

import dev.sluice.store.Database;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jooq.DSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Judges deadlines as they fall due. Runs on scheduler nodes. Each run's deadlines are rows of
 * {@code run_deadline}, made with the run by V43's trigger; this checker asks, once per interval and in one
 * statement over the partial index of pending rows, for those now due: it claims them ({@code FOR UPDATE SKIP
 * LOCKED}, then a conditional update from {@code pending}), judges each met (the run or task had ended by then) or
 * missed, and for each miss queues a {@code deadline_missed} notification and announces it on the live-event
 * channel — all in that one transaction. So each miss is raised once however many schedulers run, and a deadline
 * that passed while none ran is judged at the next start, with the same verdict: a run that ended late is still
 * late.
 *
 * <p>A miss changes nothing else: the run and its tasks go on. Runs of {@code sluice dags test} have deadlines but
 * notify nobody.
 */
public final class DeadlineChecker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DeadlineChecker.class);
    private static final int BATCH = 500;

    private final DSLContext dsl;
    private final Clock clock;
    private final Duration interval;
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("sluice-deadlines").factory());

    /** A deadline judged missed. {@code taskId} is null for the run's own deadline. */
    public record Miss(String dagId, String runId, String taskId, Instant dueAt) {}

    public DeadlineChecker(Database db, Clock clock, Duration interval) {
        this.dsl = db.dsl();
        this.clock = clock;
        this.interval = interval;
    }

    public DeadlineChecker start() {
        long ms = interval.toMillis();
        ticker.scheduleWithFixedDelay(
                () -> {
                    try {
                        checkNow();
                    } catch (Exception e) {
                        log.warn("Deadline check failed: {}", e.toString());
                    }
                },
                0,
                ms,
                TimeUnit.MILLISECONDS);
        return this;
    }

    /** Judges every deadline due by now (in batches); returns the misses this node raised. */
    public List<Miss> checkNow() {
        List<Miss> all = new ArrayList<>();
        while (checkBatch(clock.instant(), all) == BATCH) {
            // a backlog (e.g. after an outage): keep going until what is due is judged
        }
        for (Miss m : all)
            log.warn(
                    "Deadline missed: DAG {} run {}{} was due by {}",
                    m.dagId(),
                    m.runId(),
                    m.taskId() == null ? "" : " task " + m.taskId(),
                    m.dueAt());
        return all;
    }

    /**
     * One statement: claim due pending rows, judge them, queue notifications for the misses, notify live clients.
     * A task deadline is met when no instance of the task is unfinished or ended after it (a skipped task never
     * ran late); a run deadline when the run had ended by then.
     */
    private int checkBatch(Instant now, List<Miss> misses) {
        OffsetDateTime at = now.atOffset(ZoneOffset.UTC);
        var rows = dsl.fetch("""
                with due as (
                    select id from run_deadline
                     where state = 'pending' and due_at <= ?::timestamptz
                     order by due_at, id limit ? for update skip locked),
                judged as (
                    update run_deadline d
                       set checked_at = ?::timestamptz,
                           state = case
                               when d.task_id is null and exists (
                                   select 1 from dag_run r where r.id = d.run_id
                                      and r.state in ('success', 'failed', 'cancelled') and r.ended_at <= d.due_at)
                                   then 'met'
                               when d.task_id is not null and not exists (
                                   select 1 from task_instance t where t.run_id = d.run_id and t.task_id = d.task_id
                                      and (t.state not in ('success', 'failed', 'skipped', 'upstream_failed', 'cancelled')
                                           or t.ended_at > d.due_at))
                                   then 'met'
                               else 'missed' end
                      from due
                     where d.id = due.id and d.state = 'pending'
                    returning d.id, d.run_id, d.task_id, d.due_at, d.state),
                missed as (
                    select j.*, r.dag_id, r.dag_version_id, r.run_id as run_name, r.run_type
                      from judged j join dag_run r on r.id = j.run_id
                     where j.state = 'missed'),
                queued as (
                    insert into notification (event, dag_id, dag_version_id, run_id, task_id, due_at)
                    select 'deadline_missed', dag_id, dag_version_id, run_id, task_id, due_at from missed
                     where run_type <> 'test'
                    returning id)
                select j.state, r.dag_id, r.run_id as run_name, j.task_id, j.due_at,
                       case when j.state = 'missed' then pg_notify('sluice_events', json_build_object(
                           'kind', 'deadline', 'dag_id', r.dag_id, 'run_id', r.run_id, 'task_id', j.task_id,
                           'due_at', j.due_at)::text) end as announced,
                       (select count(*) from queued) as queued_count
                  from judged j join dag_run r on r.id = j.run_id
                """, at, BATCH, at);
        for (var r : rows)
            if ("missed".equals(r.get("state", String.class)))
                misses.add(new Miss(
                        r.get("dag_id", String.class),
                        r.get("run_name", String.class),
                        r.get("task_id", String.class),
                        r.get("due_at", OffsetDateTime.class).toInstant()));
        return rows.size();
    }

    @Override
    public void close() {
        ticker.shutdownNow();
        try {
            ticker.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
