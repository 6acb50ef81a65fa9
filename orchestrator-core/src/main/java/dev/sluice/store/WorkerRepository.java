package dev.sluice.store;

import static dev.sluice.db.jooq.Tables.WORKER;
import static dev.sluice.store.TaskInstanceRepository.utc;

import java.time.Instant;
import java.util.List;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/** Worker processes and their heartbeats. One heartbeat row per worker, not per task: cheap at any task rate. */
public final class WorkerRepository {
    private final DSLContext dsl;

    public WorkerRepository(DSLContext dsl) {
        this.dsl = dsl;
    }

    public void register(String workerId, String hostname, int slots, Instant now) {
        register(workerId, hostname, slots, List.of(dev.sluice.dag.TaskDef.DEFAULT_QUEUE), "standalone", now);
    }

    /** @param queues what it claims from (empty for a node that runs no tasks); @param role what kind of node */
    public void register(String workerId, String hostname, int slots, List<String> queues, String role, Instant now) {
        register(workerId, hostname, slots, queues, role, now, null);
    }

    /**
     * As above; {@code deadAfter}: how long it may stay silent before others may declare it dead (its heartbeat
     * interval times four), or null to be judged by each judge's own setting.
     */
    public void register(
            String workerId,
            String hostname,
            int slots,
            List<String> queues,
            String role,
            Instant now,
            java.time.Duration deadAfter) {
        String[] q = queues.toArray(String[]::new);
        Long deadAfterMs = deadAfter == null ? null : deadAfter.toMillis();
        dsl.insertInto(WORKER)
                .set(WORKER.WORKER_ID, workerId)
                .set(WORKER.HOSTNAME, hostname)
                .set(WORKER.SLOTS, slots)
                .set(WORKER.STARTED_AT, utc(now))
                .set(WORKER.HEARTBEAT_AT, utc(now))
                .set(WORKER.QUEUES, q)
                .set(WORKER.ROLE, role)
                .set(WORKER.DEAD_AFTER_MS, deadAfterMs)
                .onConflict(WORKER.WORKER_ID)
                .doUpdate()
                .set(WORKER.HEARTBEAT_AT, utc(now))
                .set(WORKER.QUEUES, q)
                .set(WORKER.ROLE, role)
                .set(WORKER.DEAD_AFTER_MS, deadAfterMs)
                .setNull(WORKER.STOPPED_AT)
                .execute();
    }

    /** False when this worker was already declared dead by another process: it must stop taking work. */
    public boolean heartbeat(String workerId, Instant now) {
        return dsl.update(WORKER)
                        .set(WORKER.HEARTBEAT_AT, utc(now))
                        .where(WORKER.WORKER_ID.eq(workerId), WORKER.STOPPED_AT.isNull())
                        .execute()
                == 1;
    }

    /**
     * Live workers silent for longer than they declared they may be ({@code fallback} for rows that declared
     * nothing), of those a judge whose own view of the database has been unbroken for {@code judgeUnbroken} may
     * judge: a silence is evidence only over a span the judge itself was watching.
     */
    public List<String> silent(Instant now, java.time.Duration fallback, java.time.Duration judgeUnbroken) {
        var deadAfterMs = DSL.coalesce(WORKER.DEAD_AFTER_MS, DSL.val(fallback.toMillis()));
        return dsl.select(WORKER.WORKER_ID)
                .from(WORKER)
                .where(
                        WORKER.STOPPED_AT.isNull(),
                        deadAfterMs.le(judgeUnbroken.toMillis()),
                        DSL.condition(
                                "{0} < {1} - {2} * interval '1 millisecond'",
                                WORKER.HEARTBEAT_AT, DSL.val(utc(now)), deadAfterMs))
                .fetch(WORKER.WORKER_ID);
    }

    /** Declares a worker stopped; returns false if somebody else already did (only one reaper acts). */
    public boolean markStopped(String workerId, Instant now) {
        return dsl.update(WORKER)
                        .set(WORKER.STOPPED_AT, utc(now))
                        .where(WORKER.WORKER_ID.eq(workerId), WORKER.STOPPED_AT.isNull())
                        .execute()
                == 1;
    }
}
