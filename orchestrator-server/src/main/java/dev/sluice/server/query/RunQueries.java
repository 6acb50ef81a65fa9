package dev.sluice.server.query;

import static dev.sluice.db.jooq.Tables.DAG;
import static dev.sluice.db.jooq.Tables.DAG_RUN;
import static dev.sluice.db.jooq.Tables.DAG_VERSION;
import static dev.sluice.db.jooq.Tables.TASK_INSTANCE;
import static dev.sluice.store.TaskInstanceRepository.utc;

import dev.sluice.run.RunState;
import dev.sluice.server.http.ApiException;
import dev.sluice.server.http.Cursor;
import dev.sluice.server.http.Page;
import dev.sluice.store.DagRepository;
import dev.sluice.store.Json;
import dev.sluice.template.SecretMask;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.impl.DSL;

/** Read side of runs: lists paged by (logical_date, id) newest first, one run with its tasks, and the grid. */
public final class RunQueries {
    private final DSLContext dsl;
    private final DagRepository dags;
    private final TaskQueries tasks;

    public RunQueries(DSLContext dsl, DagRepository dags, TaskQueries tasks) {
        this.dsl = dsl;
        this.dags = dags;
        this.tasks = tasks;
    }

    /** A run as shown: params with secret-looking names ({@code api_token}) read {@code ***}; the task gets the value. */
    public record RunView(
            String dagId,
            String runId,
            String state,
            String runType,
            Instant logicalDate,
            Instant dataIntervalStart,
            Instant dataIntervalEnd,
            Instant queuedAt,
            Instant startedAt,
            Instant endedAt,
            Map<String, Object> params,
            int dagVersion,
            String triggeredBy) {}

    public record RunDetail(
            String dagId,
            String runId,
            String state,
            String runType,
            Instant logicalDate,
            Instant dataIntervalStart,
            Instant dataIntervalEnd,
            Instant queuedAt,
            Instant startedAt,
            Instant endedAt,
            Map<String, Object> params,
            int dagVersion,
            String triggeredBy,
            DeadlineQueries.DeadlineView deadline,
            List<TaskQueries.TaskInstanceView> tasks) {}

    /**
     * {@code waitingFor}, {@code nextCheckAt}: see {@link TaskQueries.TaskInstanceView}; left out of the answer when
     * null.
     */
    public record GridCell(
            String state,
            int tryNumber,

            @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
            String waitingFor,

            @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
            Instant nextCheckAt,

            /* a mapped task: how many instances, and how many in each state; left out for other tasks */
            @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
            Integer mapCount,

            @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
            Map<String, Integer> instanceStates) {
        public GridCell(String state, int tryNumber, String waitingFor) {
            this(state, tryNumber, waitingFor, null, null, null);
        }
    }

    public record GridRun(
            String runId,
            String state,
            Instant logicalDate,
            Instant startedAt,
            Instant endedAt,
            Map<String, GridCell> tasks) {}

    public record Grid(List<String> tasks, List<GridRun> runs, String nextCursor) {}

    public record Filter(String dagId, String state, Instant from, Instant to) {}

    public Page<RunView> list(Filter f, int limit, String cursor) {
        var rows = page(f, limit, cursor);
        var items = rows.stream().limit(limit).map(RunQueries::view).toList();
        return new Page<>(items, next(rows, limit));
    }

    private List<? extends Record> page(Filter f, int limit, String cursor) {
        Condition cond = DSL.noCondition();
        if (f.dagId() != null) cond = cond.and(DAG_RUN.DAG_ID.eq(f.dagId()));
        if (f.state() != null) {
            try {
                cond = cond.and(DAG_RUN.STATE.eq(RunState.fromDb(f.state()).dbName()));
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest(
                        "state", "state must be one of queued, running, success, failed, cancelled");
            }
        }
        if (f.from() != null) cond = cond.and(DAG_RUN.LOGICAL_DATE.ge(utc(f.from())));
        if (f.to() != null) cond = cond.and(DAG_RUN.LOGICAL_DATE.le(utc(f.to())));
        if (cursor != null) {
            var k = Cursor.timeKey(cursor);
            cond = cond.and(DSL.row(DAG_RUN.LOGICAL_DATE, DAG_RUN.ID).lt(utc(k.at()), k.id()));
        }
        return dsl.select(DAG_RUN.asterisk(), DAG_VERSION.VERSION_NO)
                .from(DAG_RUN)
                .join(DAG_VERSION)
                .on(DAG_VERSION.ID.eq(DAG_RUN.DAG_VERSION_ID))
                .where(cond)
                .orderBy(DAG_RUN.LOGICAL_DATE.desc(), DAG_RUN.ID.desc())
                .limit(limit + 1)
                .fetch();
    }

    private static String next(List<? extends Record> rows, int limit) {
        if (rows.size() <= limit) return null;
        Record last = rows.get(limit - 1);
        return Cursor.of(last.get(DAG_RUN.LOGICAL_DATE).toInstant(), last.get(DAG_RUN.ID));
    }

    static RunView view(Record r) {
        return new RunView(
                r.get(DAG_RUN.DAG_ID),
                r.get(DAG_RUN.RUN_ID),
                r.get(DAG_RUN.STATE),
                r.get(DAG_RUN.RUN_TYPE),
                t(r.get(DAG_RUN.LOGICAL_DATE)),
                t(r.get(DAG_RUN.DATA_INTERVAL_START)),
                t(r.get(DAG_RUN.DATA_INTERVAL_END)),
                t(r.get(DAG_RUN.QUEUED_AT)),
                t(r.get(DAG_RUN.STARTED_AT)),
                t(r.get(DAG_RUN.ENDED_AT)),
                SecretMask.mask(Json.map(r.get(DAG_RUN.PARAMS))),
                r.get(DAG_VERSION.VERSION_NO),
                r.get(DAG_RUN.TRIGGERED_BY));
    }

    static Instant t(OffsetDateTime t) {
        return t == null ? null : t.toInstant();
    }

    /** The run's database key; 404 when the DAG or run does not exist. */
    public long key(String dagId, String runId) {
        return dsl.select(DAG_RUN.ID)
                .from(DAG_RUN)
                .where(DAG_RUN.DAG_ID.eq(dagId), DAG_RUN.RUN_ID.eq(runId))
                .fetchOptional(DAG_RUN.ID)
                .orElseThrow(() -> new NoSuchElementException("no run " + runId + " of DAG " + dagId));
    }

    public RunView get(long runKey) {
        return dsl.select(DAG_RUN.asterisk(), DAG_VERSION.VERSION_NO)
                .from(DAG_RUN)
                .join(DAG_VERSION)
                .on(DAG_VERSION.ID.eq(DAG_RUN.DAG_VERSION_ID))
                .where(DAG_RUN.ID.eq(runKey))
                .fetchOptional()
                .map(RunQueries::view)
                .orElseThrow(() -> new NoSuchElementException("no run " + runKey));
    }

    public RunDetail detail(String dagId, String runId) {
        var r = dsl.select(DAG_RUN.asterisk(), DAG_VERSION.VERSION_NO)
                .from(DAG_RUN)
                .join(DAG_VERSION)
                .on(DAG_VERSION.ID.eq(DAG_RUN.DAG_VERSION_ID))
                .where(DAG_RUN.DAG_ID.eq(dagId), DAG_RUN.RUN_ID.eq(runId))
                .fetchOptional()
                .orElseThrow(() -> new NoSuchElementException("no run " + runId + " of DAG " + dagId));
        RunView v = view(r);
        var list = tasks.ofRun(r.get(DAG_RUN.ID), r.get(DAG_RUN.DAG_VERSION_ID));
        return new RunDetail(
                v.dagId(),
                v.runId(),
                v.state(),
                v.runType(),
                v.logicalDate(),
                v.dataIntervalStart(),
                v.dataIntervalEnd(),
                v.queuedAt(),
                v.startedAt(),
                v.endedAt(),
                v.params(),
                v.dagVersion(),
                v.triggeredBy(),
                tasks.runDeadline(r.get(DAG_RUN.ID)),
                list);
    }

    /**
     * The grid: a page of runs newest first and every task's state in each, in two queries (runs, then the task
     * instances of exactly those runs) after the DAG lookup.
     */
    public Grid grid(String dagId, int limit, String cursor) {
        Long latest = dsl.select(DAG.LATEST_VERSION_ID)
                .from(DAG)
                .where(DAG.DAG_ID.eq(dagId))
                .fetchOptional(DAG.LATEST_VERSION_ID)
                .orElseThrow(() -> new NoSuchElementException("no DAG " + dagId));
        List<String> order =
                latest == null ? List.of() : new dev.sluice.run.DagGraph(dags.version(latest)).topologicalOrder();
        var rows = page(new Filter(dagId, null, null, null), limit, cursor);
        var page = rows.subList(0, Math.min(limit, rows.size()));
        Map<Long, Map<String, GridCell>> cells = new HashMap<>();
        List<Long> keys = page.stream().map(r -> r.get(DAG_RUN.ID)).toList();
        if (!keys.isEmpty()) {
            // Grouped by state: a task mapped over 10,000 items is a few rows per run, folded into one cell.
            var found = dsl.select(
                            TASK_INSTANCE.RUN_ID,
                            TASK_INSTANCE.TASK_ID,
                            TASK_INSTANCE.STATE,
                            DSL.max(TASK_INSTANCE.TRY_NUMBER),
                            DSL.max(TASK_INSTANCE.QUEUE),
                            DSL.count(),
                            DSL.max(TASK_INSTANCE.MAP_INDEX),
                            DSL.min(TASK_INSTANCE.READY_AT))
                    .from(TASK_INSTANCE)
                    .where(TASK_INSTANCE.RUN_ID.in(keys))
                    .groupBy(TASK_INSTANCE.RUN_ID, TASK_INSTANCE.TASK_ID, TASK_INSTANCE.STATE)
                    .fetch();
            // The worker table is read once for the page, and only when some task waits for a worker.
            java.util.Set<String> served = found.stream().anyMatch(x -> TaskQueries.waitsForWorker(x.value3()))
                    ? tasks.servedQueues()
                    : java.util.Set.of();
            Map<Long, Map<String, Map<dev.sluice.run.TaskState, Integer>>> mapped = new HashMap<>();
            found.forEach(x -> {
                if (x.value7() >= 0) {
                    mapped.computeIfAbsent(x.value1(), k -> new LinkedHashMap<>())
                            .computeIfAbsent(x.value2(), k -> new java.util.EnumMap<>(dev.sluice.run.TaskState.class))
                            .put(dev.sluice.run.TaskState.fromDb(x.value3()), x.value6());
                    return;
                }
                cells.computeIfAbsent(x.value1(), k -> new LinkedHashMap<>())
                        .put(
                                x.value2(),
                                new GridCell(
                                        x.value3(),
                                        x.value4(),
                                        TaskQueries.waitingFor(x.value3(), x.value5(), served),
                                        "up_for_reschedule".equals(x.value3()) ? t(x.value8()) : null,
                                        null,
                                        null));
            });
            mapped.forEach((run, byTask) -> byTask.forEach((task, counts) -> {
                Map<String, Integer> named = new LinkedHashMap<>();
                counts.forEach((st, n) -> named.put(st.dbName(), n));
                String state = dev.sluice.run.Decider.aggregate(counts).dbName();
                cells.computeIfAbsent(run, k -> new LinkedHashMap<>())
                        .put(
                                task,
                                new GridCell(
                                        state,
                                        0,
                                        null,
                                        null,
                                        counts.values().stream()
                                                .mapToInt(Integer::intValue)
                                                .sum(),
                                        named));
            }));
        }
        List<GridRun> runs = page.stream()
                .map(r -> new GridRun(
                        r.get(DAG_RUN.RUN_ID),
                        r.get(DAG_RUN.STATE),
                        t(r.get(DAG_RUN.LOGICAL_DATE)),
                        t(r.get(DAG_RUN.STARTED_AT)),
                        t(r.get(DAG_RUN.ENDED_AT)),
                        cells.getOrDefault(r.get(DAG_RUN.ID), Map.of())))
                .toList();
        return new Grid(order, runs, next(rows, limit));
    }
}
