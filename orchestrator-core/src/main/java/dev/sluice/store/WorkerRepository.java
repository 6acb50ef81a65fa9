package dev.sluice.store;

import static dev.sluice.db.jooq.Tables.WORKER;
import static dev.sluice.store.TaskInstanceRepository.utc;

import java.time.Instant;
import java.util.List;
import org.jooq.DSLContext;

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
        String[] q = queues.toArray(String[]::new);
        dsl.insertInto(WORKER)
                .set(WORKER.WORKER_ID, workerId)
                .set(WORKER.HOSTNAME, hostname)
                .set(WORKER.SLOTS, slots)
                .set(WORKER.STARTED_AT, utc(now))
                .set(WORKER.HEARTBEAT_AT, utc(now))
                .set(WORKER.QUEUES, q)
                .set(WORKER.ROLE, role)
                .onConflict(WORKER.WORKER_ID)
                .doUpdate()
                .set(WORKER.HEARTBEAT_AT, utc(now))
                .set(WORKER.QUEUES, q)
                .set(WORKER.ROLE, role)
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

    public List<String> silentSince(Instant cutoff) {
        return dsl.select(WORKER.WORKER_ID)
                .from(WORKER)
                .where(WORKER.STOPPED_AT.isNull(), WORKER.HEARTBEAT_AT.lt(utc(cutoff)))
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
