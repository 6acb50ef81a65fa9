package dev.sluice.store;

import static dev.sluice.db.jooq.Tables.BACKFILL;
import static dev.sluice.db.jooq.Tables.DAG_RUN;
import static dev.sluice.store.TaskInstanceRepository.utc;

import dev.sluice.db.jooq.tables.records.BackfillRecord;
import dev.sluice.run.RunState;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jooq.DSLContext;

/** Backfills and the runs they own (dag_run.backfill_id). */
public final class BackfillRepository {

    public record BackfillRow(
            long id,
            String dagId,
            Instant from,
            Instant to,
            int maxActiveRuns,
            String reprocess,
            String state,
            Instant nextDate,
            String createdBy,
            Instant createdAt,
            Instant endedAt) {}

    /** An existing run for a logical date, as a backfill sees it. */
    public record ExistingRun(long key, RunState state, Long backfillId, String triggeredBy) {}

    public long insert(
            DSLContext dsl,
            String dagId,
            Instant from,
            Instant to,
            int maxActiveRuns,
            String reprocess,
            Instant nextDate,
            String createdBy,
            Instant now) {
        return dsl.insertInto(BACKFILL)
                .set(BACKFILL.DAG_ID, dagId)
                .set(BACKFILL.FROM_DATE, utc(from))
                .set(BACKFILL.TO_DATE, utc(to))
                .set(BACKFILL.MAX_ACTIVE_RUNS, maxActiveRuns)
                .set(BACKFILL.REPROCESS, reprocess)
                .set(BACKFILL.STATE, "running")
                .set(BACKFILL.NEXT_DATE, utc(nextDate))
                .set(BACKFILL.CREATED_BY, createdBy)
                .set(BACKFILL.CREATED_AT, utc(now))
                .returningResult(BACKFILL.ID)
                .fetchOne()
                .value1();
    }

    public Optional<BackfillRow> get(DSLContext dsl, long id) {
        return dsl.selectFrom(BACKFILL)
                .where(BACKFILL.ID.eq(id))
                .fetchOptional()
                .map(BackfillRepository::row);
    }

    /** Locks a running backfill for one progress step; empty when it is not running or another server has it. */
    public Optional<BackfillRow> lockRunning(DSLContext tx, long id) {
        // NO KEY UPDATE: runs inserted meanwhile reference this row (a key-share lock) and must not wait on us.
        return tx.selectFrom(BACKFILL)
                .where(BACKFILL.ID.eq(id), BACKFILL.STATE.eq("running"))
                .forNoKeyUpdate()
                .skipLocked()
                .fetchOptional()
                .map(BackfillRepository::row);
    }

    public List<Long> runningIds(DSLContext dsl) {
        return dsl.select(BACKFILL.ID)
                .from(BACKFILL)
                .where(BACKFILL.STATE.eq("running"))
                .orderBy(BACKFILL.ID)
                .fetch(BACKFILL.ID);
    }

    public List<BackfillRow> list(DSLContext dsl, String dagId) {
        var q = dsl.selectFrom(BACKFILL);
        return (dagId == null ? q : q.where(BACKFILL.DAG_ID.eq(dagId)))
                .orderBy(BACKFILL.ID.desc())
                .fetch(BackfillRepository::row);
    }

    public void advance(DSLContext tx, long id, Instant nextDate) {
        tx.update(BACKFILL)
                .set(BACKFILL.NEXT_DATE, utc(nextDate))
                .where(BACKFILL.ID.eq(id))
                .execute();
    }

    public boolean finish(DSLContext tx, long id, String state, Instant now) {
        return tx.update(BACKFILL)
                        .set(BACKFILL.STATE, state)
                        .set(BACKFILL.ENDED_AT, utc(now))
                        .where(BACKFILL.ID.eq(id), BACKFILL.STATE.eq("running"))
                        .execute()
                == 1;
    }

    public int countUnfinished(DSLContext tx, long id) {
        return tx.fetchCount(
                DAG_RUN,
                DAG_RUN.BACKFILL_ID.eq(id),
                DAG_RUN.STATE.in(RunState.QUEUED.dbName(), RunState.RUNNING.dbName()));
    }

    public boolean anyFailed(DSLContext tx, long id) {
        return tx.fetchExists(
                DAG_RUN,
                DAG_RUN.BACKFILL_ID.eq(id),
                DAG_RUN.STATE.in(RunState.FAILED.dbName(), RunState.CANCELLED.dbName()));
    }

    public List<Long> unfinishedRuns(DSLContext dsl, long id) {
        return dsl.select(DAG_RUN.ID)
                .from(DAG_RUN)
                .where(
                        DAG_RUN.BACKFILL_ID.eq(id),
                        DAG_RUN.STATE.in(RunState.QUEUED.dbName(), RunState.RUNNING.dbName()))
                .fetch(DAG_RUN.ID);
    }

    public Optional<ExistingRun> runAt(DSLContext dsl, String dagId, Instant logicalDate) {
        return dsl.select(DAG_RUN.ID, DAG_RUN.STATE, DAG_RUN.BACKFILL_ID, DAG_RUN.TRIGGERED_BY)
                .from(DAG_RUN)
                .where(DAG_RUN.DAG_ID.eq(dagId), DAG_RUN.LOGICAL_DATE.eq(utc(logicalDate)))
                .fetchOptional()
                .map(r -> new ExistingRun(r.value1(), RunState.fromDb(r.value2()), r.value3(), r.value4()));
    }

    /** Makes a run count against the backfill. Autocommit on purpose: see BackfillService#step. */
    public void adopt(DSLContext dsl, long runKey, long backfillId) {
        dsl.update(DAG_RUN)
                .set(DAG_RUN.BACKFILL_ID, backfillId)
                .where(DAG_RUN.ID.eq(runKey))
                .execute();
    }

    private static BackfillRow row(BackfillRecord r) {
        return new BackfillRow(
                r.getId(),
                r.getDagId(),
                r.getFromDate().toInstant(),
                r.getToDate().toInstant(),
                r.getMaxActiveRuns(),
                r.getReprocess(),
                r.getState(),
                r.getNextDate() == null ? null : r.getNextDate().toInstant(),
                r.getCreatedBy(),
                r.getCreatedAt().toInstant(),
                r.getEndedAt() == null ? null : r.getEndedAt().toInstant());
    }
}
