package dev.sluice.store;

import static dev.sluice.db.jooq.Tables.DAG;
import static dev.sluice.db.jooq.Tables.DAG_RUN;
import static dev.sluice.store.TaskInstanceRepository.utc;

import dev.sluice.run.RunState;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jooq.DSLContext;
import org.jooq.exception.IntegrityConstraintViolationException;

/** DAG runs. State changes are conditional updates from {@link RunState#allowedFrom()}. */
public final class RunRepository {

    public record NewRun(
            String dagId,
            String runId,
            long versionId,
            String runType,
            Instant logicalDate,
            Instant dataIntervalStart,
            Instant dataIntervalEnd,
            Map<String, Object> params,
            String triggeredBy) {}

    public record RunRow(
            long key,
            String dagId,
            String runId,
            long versionId,
            RunState state,
            String runType,
            Instant logicalDate,
            Instant queuedAt,
            Instant startedAt,
            Instant endedAt,
            Map<String, Object> params) {}

    /** A second run for the same DAG and logical date (or run id). */
    public static final class RunExistsException extends RuntimeException {
        public RunExistsException(String message) {
            super(message);
        }
    }

    public long insert(DSLContext tx, NewRun run, Instant now) {
        try {
            return tx.insertInto(DAG_RUN)
                    .set(DAG_RUN.DAG_ID, run.dagId())
                    .set(DAG_RUN.RUN_ID, run.runId())
                    .set(DAG_RUN.DAG_VERSION_ID, run.versionId())
                    .set(DAG_RUN.STATE, RunState.QUEUED.dbName())
                    .set(DAG_RUN.RUN_TYPE, run.runType())
                    .set(DAG_RUN.LOGICAL_DATE, utc(run.logicalDate()))
                    .set(DAG_RUN.DATA_INTERVAL_START, utc(run.dataIntervalStart()))
                    .set(DAG_RUN.DATA_INTERVAL_END, utc(run.dataIntervalEnd()))
                    .set(DAG_RUN.PARAMS, Json.jsonb(run.params()))
                    .set(DAG_RUN.TRIGGERED_BY, run.triggeredBy())
                    .set(DAG_RUN.QUEUED_AT, utc(now))
                    .returningResult(DAG_RUN.ID)
                    .fetchOne()
                    .value1();
        } catch (IntegrityConstraintViolationException e) {
            throw new RunExistsException("DAG " + run.dagId() + " already has a run for logical date "
                    + run.logicalDate() + " or with run id " + run.runId());
        }
    }

    /**
     * Locks runs in id order for the rest of the transaction. Completions of two tasks of one run serialise here,
     * so the second always sees the first's result when it decides what becomes ready.
     */
    public void lock(DSLContext tx, Collection<Long> runKeys) {
        if (runKeys.isEmpty()) return;
        tx.select(DAG_RUN.ID)
                .from(DAG_RUN)
                .where(DAG_RUN.ID.in(runKeys))
                .orderBy(DAG_RUN.ID)
                .forNoKeyUpdate()
                .fetch();
    }

    /** Locks a DAG's row: run promotion for one DAG is serialised so max_active_runs holds across servers. */
    public void lockDag(DSLContext tx, String dagId) {
        tx.select(DAG.DAG_ID)
                .from(DAG)
                .where(DAG.DAG_ID.eq(dagId))
                .forNoKeyUpdate()
                .fetch();
    }

    public boolean transition(DSLContext tx, long runKey, RunState to, Instant now) {
        var update = tx.update(DAG_RUN).set(DAG_RUN.STATE, to.dbName());
        if (to == RunState.RUNNING)
            update = update.set(DAG_RUN.STARTED_AT, utc(now)).set(DAG_RUN.ENDED_AT, (java.time.OffsetDateTime) null);
        else if (to.isTerminal()) update = update.set(DAG_RUN.ENDED_AT, utc(now));
        else update = update.set(DAG_RUN.ENDED_AT, (java.time.OffsetDateTime) null);
        return update.where(
                                DAG_RUN.ID.eq(runKey),
                                DAG_RUN.STATE.in(to.allowedFrom().stream()
                                        .map(RunState::dbName)
                                        .toList()))
                        .execute()
                == 1;
    }

    public int countRunning(DSLContext tx, String dagId) {
        return tx.fetchCount(DAG_RUN, DAG_RUN.DAG_ID.eq(dagId), DAG_RUN.STATE.eq(RunState.RUNNING.dbName()));
    }

    /** Queued runs of a DAG, oldest logical date first. */
    public List<Long> queued(DSLContext tx, String dagId, int limit) {
        return tx.select(DAG_RUN.ID)
                .from(DAG_RUN)
                .where(DAG_RUN.DAG_ID.eq(dagId), DAG_RUN.STATE.eq(RunState.QUEUED.dbName()))
                .orderBy(DAG_RUN.LOGICAL_DATE, DAG_RUN.ID)
                .limit(limit)
                .fetch(DAG_RUN.ID);
    }

    /** DAGs that have queued runs: the fallback sweep promotes them if a wake-up was missed. */
    public List<String> dagsWithQueuedRuns(DSLContext dsl) {
        return dsl.selectDistinct(DAG_RUN.DAG_ID)
                .from(DAG_RUN)
                .where(DAG_RUN.STATE.eq(RunState.QUEUED.dbName()))
                .fetch(DAG_RUN.DAG_ID);
    }

    public Optional<RunRow> get(DSLContext dsl, long runKey) {
        return dsl.selectFrom(DAG_RUN)
                .where(DAG_RUN.ID.eq(runKey))
                .fetchOptional()
                .map(RunRepository::toRow);
    }

    public Optional<RunRow> get(DSLContext dsl, String dagId, String runId) {
        return dsl.selectFrom(DAG_RUN)
                .where(DAG_RUN.DAG_ID.eq(dagId), DAG_RUN.RUN_ID.eq(runId))
                .fetchOptional()
                .map(RunRepository::toRow);
    }

    static RunRow toRow(dev.sluice.db.jooq.tables.records.DagRunRecord r) {
        return new RunRow(
                r.getId(),
                r.getDagId(),
                r.getRunId(),
                r.getDagVersionId(),
                RunState.fromDb(r.getState()),
                r.getRunType(),
                r.getLogicalDate().toInstant(),
                r.getQueuedAt().toInstant(),
                r.getStartedAt() == null ? null : r.getStartedAt().toInstant(),
                r.getEndedAt() == null ? null : r.getEndedAt().toInstant(),
                Json.map(r.getParams()));
    }
}
