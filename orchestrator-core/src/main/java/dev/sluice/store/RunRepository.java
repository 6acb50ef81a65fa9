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

    private static final String INSERT_ALL = """
            insert into dag_run (dag_id, run_id, dag_version_id, state, run_type, logical_date, data_interval_start,
                                 data_interval_end, params, triggered_by, queued_at, started_at)
            select d, r, v, case when g then 'running' else 'queued' end, t, l, s, e, p::jsonb, b, ?::timestamptz,
                   case when g then ?::timestamptz end
            from unnest(?::text[], ?::text[], ?::int8[], ?::text[], ?::timestamptz[], ?::timestamptz[],
                        ?::timestamptz[], ?::text[], ?::text[], ?::bool[]) as x(d, r, v, t, l, s, e, p, b, g)
            returning id, dag_id, run_id""";

    /**
     * Inserts many runs in one statement (a backfill, a burst of triggers): one round trip and one commit for all
     * of them. Keys come back in the order of {@code runs}. A duplicate fails the whole batch.
     */
    public List<Long> insertAll(DSLContext tx, List<NewRun> runs, Instant now) {
        return insertAll(tx, runs, java.util.Collections.nCopies(runs.size(), false), now);
    }

    /**
     * As above; {@code started.get(i)} inserts run i running (started at {@code now}) rather than queued: the
     * caller has checked, under the DAG's lock, that max_active_runs leaves room for it.
     */
    public List<Long> insertAll(DSLContext tx, List<NewRun> runs, List<Boolean> started, Instant now) {
        if (runs.isEmpty()) return List.of();
        try {
            return tx.connectionResult(c -> {
                List<String> dags = new java.util.ArrayList<>(), ids = new java.util.ArrayList<>();
                List<String> types = new java.util.ArrayList<>(), params = new java.util.ArrayList<>();
                List<String> by = new java.util.ArrayList<>();
                List<Long> versions = new java.util.ArrayList<>();
                List<Instant> dates = new java.util.ArrayList<>(), starts = new java.util.ArrayList<>();
                List<Instant> ends = new java.util.ArrayList<>();
                for (NewRun r : runs) {
                    dags.add(r.dagId());
                    ids.add(r.runId());
                    versions.add(r.versionId());
                    types.add(r.runType());
                    dates.add(r.logicalDate());
                    starts.add(r.dataIntervalStart());
                    ends.add(r.dataIntervalEnd());
                    params.add(Json.write(r.params() == null ? Map.of() : r.params()));
                    by.add(r.triggeredBy());
                }
                Map<String, Long> keys = new java.util.HashMap<>();
                try (var ps = c.prepareStatement(INSERT_ALL)) {
                    ps.setString(1, now.toString());
                    ps.setString(2, now.toString());
                    ps.setArray(3, SqlArrays.texts(c, dags));
                    ps.setArray(4, SqlArrays.texts(c, ids));
                    ps.setArray(5, SqlArrays.longs(c, versions));
                    ps.setArray(6, SqlArrays.texts(c, types));
                    ps.setArray(7, SqlArrays.times(c, dates));
                    ps.setArray(8, SqlArrays.times(c, starts));
                    ps.setArray(9, SqlArrays.times(c, ends));
                    ps.setArray(10, SqlArrays.texts(c, params));
                    ps.setArray(11, SqlArrays.texts(c, by));
                    ps.setArray(12, c.createArrayOf("bool", started.toArray(Boolean[]::new)));
                    try (var rs = ps.executeQuery()) {
                        while (rs.next()) keys.put(rs.getString(2) + "\u0000" + rs.getString(3), rs.getLong(1));
                    }
                }
                List<Long> out = new java.util.ArrayList<>(runs.size());
                for (NewRun r : runs) out.add(keys.get(r.dagId() + "\u0000" + r.runId()));
                return out;
            });
        } catch (RuntimeException e) {
            if (!SqlArrays.isUniqueViolation(e)) throw e;
            throw new RunExistsException("DAG " + runs.get(0).dagId() + " already has a run for one of the "
                    + runs.size() + " logical dates or run ids given ("
                    + runs.get(0).logicalDate() + " … "
                    + runs.get(runs.size() - 1).logicalDate() + "); none was created");
        }
    }

    /**
     * Moves queued runs to running in one statement; returns the DAG version of each run that moved (a run
     * another server started or cancelled meanwhile is left out).
     */
    public Map<Long, Long> startAll(DSLContext tx, Collection<Long> runKeys, Instant now) {
        Map<Long, Long> out = new java.util.LinkedHashMap<>();
        if (runKeys.isEmpty()) return out;
        tx.update(DAG_RUN)
                .set(DAG_RUN.STATE, RunState.RUNNING.dbName())
                .set(DAG_RUN.STARTED_AT, utc(now))
                .set(DAG_RUN.ENDED_AT, (java.time.OffsetDateTime) null)
                .where(
                        DAG_RUN.ID.eq(org.jooq.impl.DSL.any(runKeys.toArray(Long[]::new))),
                        DAG_RUN.STATE.in(RunState.RUNNING.allowedFrom().stream()
                                .map(RunState::dbName)
                                .toList()))
                .returningResult(DAG_RUN.ID, DAG_RUN.DAG_VERSION_ID)
                .fetch()
                .forEach(r -> out.put(r.value1(), r.value2()));
        return out;
    }

    /**
     * Locks runs in id order for the rest of the transaction. Completions of two tasks of one run serialise here,
     * so the second always sees the first's result when it decides what becomes ready.
     */
    public void lock(DSLContext tx, Collection<Long> runKeys) {
        if (runKeys.isEmpty()) return;
        Pipeline.run(tx, lockStep(runKeys));
    }

    /** {@link #lock} as a step of a {@link Pipeline}: the statements after it run with the runs' rows held. */
    public Pipeline.Step<Void> lockStep(Collection<Long> runKeys) {
        List<Long> keys = new java.util.ArrayList<>(runKeys);
        return Pipeline.query(
                "select id from dag_run where id = any(?) order by id for no key update",
                (c, ps, i) -> {
                    ps.setArray(i, SqlArrays.longs(c, keys));
                    return i + 1;
                },
                rs -> null);
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

    /** A run just ended by {@link #endStep}: what its finished event tells. */
    public record Ended(String dagId, long versionId, String runId, Instant logicalDate) {}

    /**
     * Ends a running run ({@code to} success or failed, from the states {@link RunState#allowedFrom()} lists) and
     * returns what its event needs, as a step of a {@link Pipeline}; empty when another engine ended it first.
     */
    public Pipeline.Step<Optional<Ended>> endStep(long runKey, RunState to, Instant now) {
        if (!to.isTerminal()) throw new IllegalArgumentException("a run ends success or failed, not " + to);
        List<String> from = to.allowedFrom().stream().map(RunState::dbName).toList();
        return Pipeline.query(
                "update dag_run set state = ?, ended_at = ?::timestamptz where id = ? and state = any(?)"
                        + " returning dag_id, dag_version_id, run_id, logical_date",
                (c, ps, i) -> {
                    ps.setString(i, to.dbName());
                    ps.setString(i + 1, now.toString());
                    ps.setLong(i + 2, runKey);
                    ps.setArray(i + 3, SqlArrays.texts(c, from));
                    return i + 4;
                },
                rs -> {
                    if (!rs.next()) return Optional.empty();
                    return Optional.of(new Ended(
                            rs.getString(1),
                            rs.getLong(2),
                            rs.getString(3),
                            rs.getTimestamp(4).toInstant()));
                });
    }

    /**
     * The DAG's row in share mode (concurrent holders do not wait for each other, {@link #lockDag} waits for all)
     * unless the DAG has queued runs: their promotion takes it exclusively, and a shared lock held first would
     * have to be upgraded (two such upgrades deadlock).
     */
    public Pipeline.Step<Void> lockDagSharedUnlessQueuedStep(String dagId) {
        return Pipeline.query(
                "select dag_id from dag where dag_id = ? and not exists"
                        + " (select 1 from dag_run where dag_id = ? and state = 'queued') for share of dag",
                (c, ps, i) -> {
                    ps.setString(i, dagId);
                    ps.setString(i + 1, dagId);
                    return i + 2;
                },
                rs -> null);
    }

    /** {@link #hasQueued} as a step of a {@link Pipeline}: it sees every lock taken before it. */
    public Pipeline.Step<Boolean> hasQueuedStep(String dagId) {
        return Pipeline.query(
                "select exists (select 1 from dag_run where dag_id = ? and state = 'queued')",
                (c, ps, i) -> {
                    ps.setString(i, dagId);
                    return i + 1;
                },
                rs -> {
                    return rs.next() && rs.getBoolean(1);
                });
    }

    /** Whether the DAG has runs waiting for max_active_runs (new runs must queue behind them). */
    public boolean hasQueued(DSLContext tx, String dagId) {
        return tx.fetchExists(DAG_RUN, DAG_RUN.DAG_ID.eq(dagId), DAG_RUN.STATE.eq(RunState.QUEUED.dbName()));
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

    /** Who started a run: its key, human id and {@code triggered_by}, for a caller that may have started it before. */
    public record RunOrigin(long key, String runId, String triggeredBy) {}

    /** The DAG's run at {@code logicalDate}, of which there is at most one. */
    public Optional<RunOrigin> atLogicalDate(DSLContext dsl, String dagId, Instant logicalDate) {
        return dsl.select(DAG_RUN.ID, DAG_RUN.RUN_ID, DAG_RUN.TRIGGERED_BY)
                .from(DAG_RUN)
                .where(DAG_RUN.DAG_ID.eq(dagId), DAG_RUN.LOGICAL_DATE.eq(utc(logicalDate)))
                .fetchOptional(r -> new RunOrigin(r.value1(), r.value2(), r.value3()));
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
