package dev.sluice.store;

import static dev.sluice.db.jooq.Tables.DAG;
import static dev.sluice.db.jooq.Tables.DAG_VERSION;
import static dev.sluice.db.jooq.Tables.POOL;
import static dev.sluice.db.jooq.Tables.TASK_INSTANCE;
import static dev.sluice.db.jooq.Tables.WORKER;

import dev.sluice.run.TaskState;
import java.time.OffsetDateTime;
import org.jooq.CommonTableExpression;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record1;
import org.jooq.Record7;
import org.jooq.Select;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * Pool slots and per-DAG {@code max_active_tasks} for the claim query.
 *
 * <p>A limit can only be exceeded when it is smaller than what the live workers can run at once (the sum of their
 * slots). In the common case no limit is that small, and the claim keeps its plain one-statement form: no lock, no
 * counting. Otherwise claims serialise on one transaction-scoped advisory lock, taken in its own statement so the
 * limited claim that follows counts running tasks in a snapshot that includes every earlier claim's commit; within
 * the lock, one statement counts running tasks per pool and per DAG, ranks the candidates of each pool and DAG in
 * queue order with window functions, and takes only those that fit. Without the lock two workers could both see
 * "one slot free" and both take it.
 *
 * <p>A mapped task's {@code max_active_instances} is the third limit: its instances carry it ({@code map_limit}),
 * and are ranked per (run, task) the same way.
 *
 * <p>Whether a limit can bind is re-read at most once a second: a pool or DAG made smaller, or a worker added,
 * takes effect within that second.
 */
final class ClaimLimits {
    /** Arbitrary, fixed: the advisory lock key of limited claims. */
    private static final long CLAIM_LOCK_KEY = 7_351_842_001L;

    private static final long RECHECK_NANOS = 1_000_000_000L;
    private static final int UNLIMITED = Integer.MAX_VALUE;

    private volatile boolean mayBind;
    private volatile long checkedAt = System.nanoTime() - 2 * RECHECK_NANOS;

    /**
     * The smallest max_active_tasks among active DAGs, with a stamp of the {@code dag} rows it was read from: reading
     * it means parsing every active DAG's definition (a thousand JSON documents a second on an idle node with a
     * thousand DAGs, measured), while the stamp is one scan of the small {@code dag} table.
     */
    private record DagLimits(String stamp, int smallest) {}

    private volatile DagLimits dagLimits;

    /** Whether some pool or active DAG has fewer slots than the live workers together. */
    boolean mayBind(DSLContext dsl) {
        long now = System.nanoTime();
        if (now - checkedAt < RECHECK_NANOS) return mayBind;
        Field<Integer> capacity = DSL.field(DSL.select(DSL.coalesce(DSL.sum(WORKER.SLOTS), java.math.BigDecimal.ZERO)
                        .cast(SQLDataType.INTEGER))
                .from(WORKER)
                .where(WORKER.STOPPED_AT.isNull()));
        var smallPool = DSL.exists(DSL.selectOne().from(POOL).where(POOL.SLOTS.lt(capacity)));
        // Instances under max_active_instances are never taken by the plain claim (TaskInstanceRepository), so their
        // limit holds even while this answer is stale: they wait for it to turn true, within the second.
        var limitedInstances = DSL.exists(DSL.selectOne()
                .from(TASK_INSTANCE)
                .where(
                        TASK_INSTANCE.MAP_LIMIT.isNotNull(),
                        TASK_INSTANCE.STATE.in(TaskInstanceRepository.dbNames(TaskState.CLAIMABLE))));
        // Any save, retirement or new DAG changes the count, the sum of latest versions or the newest update time.
        Field<String> stamp = DSL.field(DSL.select(DSL.concat(
                        DSL.count().cast(SQLDataType.VARCHAR),
                        DSL.val(":"),
                        DSL.coalesce(DSL.sum(DAG.LATEST_VERSION_ID), java.math.BigDecimal.ZERO)
                                .cast(SQLDataType.VARCHAR),
                        DSL.val(":"),
                        DSL.coalesce(DSL.max(DAG.UPDATED_AT).cast(SQLDataType.VARCHAR), DSL.val(""))))
                .from(DAG)
                .where(DAG.IS_ACTIVE.isTrue()));
        var row = dsl.select(capacity, DSL.field(smallPool.or(limitedInstances)), stamp)
                .fetchOne();
        int cap = row.value1() == null ? 0 : row.value1();
        DagLimits known = dagLimits;
        if (known == null || !known.stamp().equals(row.value3())) {
            Integer smallest = dsl.select(DSL.min(maxActiveTasks()))
                    .from(DAG)
                    .join(DAG_VERSION)
                    .on(DAG_VERSION.ID.eq(DAG.LATEST_VERSION_ID))
                    .where(DAG.IS_ACTIVE.isTrue())
                    .fetchOne()
                    .value1();
            known = new DagLimits(row.value3(), smallest == null ? UNLIMITED : smallest);
            dagLimits = known;
        }
        mayBind = Boolean.TRUE.equals(row.value2()) || known.smallest() < cap;
        checkedAt = now;
        return mayBind;
    }

    /** Forget the cached answer: the next claim re-reads the limits (pool changes in this process). */
    void invalidate() {
        checkedAt = System.nanoTime() - 2 * RECHECK_NANOS;
    }

    private static Field<Integer> maxActiveTasks() {
        return DSL.jsonGetAttributeAsText(DAG_VERSION.DEFINITION, "max_active_tasks")
                .cast(SQLDataType.INTEGER);
    }

    /** Serialises limited claims until the transaction ends. Must be its own statement (see the class comment). */
    void lock(DSLContext tx) {
        tx.select(DSL.function("pg_advisory_xact_lock", Object.class, DSL.val(CLAIM_LOCK_KEY)))
                .fetch();
    }

    /**
     * Ids of up to {@code limit} claimable task instances that fit their pool's and DAG's free slots, oldest
     * first, locked. Candidates of full pools and DAGs are skipped before the scan window, so a full pool at the
     * head of the queue cannot starve the others.
     */
    Select<Record1<Long>> candidates(DSLContext tx, java.util.List<String> queues, OffsetDateTime now, int limit) {
        String running = TaskState.RUNNING.dbName();
        var r = TASK_INSTANCE.as("r");
        var poolName = DSL.coalesce(TASK_INSTANCE.POOL, DSL.val(PoolRepository.DEFAULT_POOL));

        // Pools and DAGs with no slot left: O(pools + running tasks), through the partial running indexes.
        var fullPools = DSL.select(POOL.NAME)
                .from(POOL)
                .where(POOL.SLOTS.le(
                        DSL.field(DSL.selectCount().from(r).where(r.STATE.eq(running), r.POOL.eq(POOL.NAME)))));
        Field<Integer> dagLimit = DSL.field(DSL.select(maxActiveTasks())
                .from(DAG)
                .join(DAG_VERSION)
                .on(DAG_VERSION.ID.eq(DAG.LATEST_VERSION_ID))
                .where(DAG.DAG_ID.eq(r.DAG_ID)));
        // Mapped tasks whose max_active_instances are all running: through the partial map-limit index.
        var fullMapped = DSL.select(r.RUN_ID, r.TASK_ID)
                .from(r)
                .where(r.STATE.eq(running), r.MAP_LIMIT.isNotNull())
                .groupBy(r.RUN_ID, r.TASK_ID)
                .having(DSL.count().ge(DSL.min(r.MAP_LIMIT)));
        var fullDags = DSL.select(r.DAG_ID)
                .from(r)
                .where(r.STATE.eq(running))
                .groupBy(r.DAG_ID)
                .having(DSL.count().ge(dagLimit));

        // The scan window: claimable rows outside full pools and DAGs, locked as the plain claim does.
        CommonTableExpression<Record7<Long, String, String, OffsetDateTime, Long, String, Integer>> cand = DSL.name(
                        "cand")
                .fields("id", "pool", "dag_id", "ready_at", "run_id", "task_id", "map_limit")
                .as(DSL.select(
                                TASK_INSTANCE.ID,
                                poolName,
                                TASK_INSTANCE.DAG_ID,
                                TASK_INSTANCE.READY_AT,
                                TASK_INSTANCE.RUN_ID,
                                TASK_INSTANCE.TASK_ID,
                                TASK_INSTANCE.MAP_LIMIT)
                        .from(TASK_INSTANCE)
                        .where(TASK_INSTANCE.STATE.in(TaskInstanceRepository.dbNames(TaskState.CLAIMABLE)))
                        .and(TaskInstanceRepository.queueIn(queues))
                        .and(TASK_INSTANCE.READY_AT.le(now))
                        .and(poolName.notIn(fullPools))
                        .and(TASK_INSTANCE.DAG_ID.notIn(fullDags))
                        .and(TASK_INSTANCE
                                .MAP_LIMIT
                                .isNull()
                                .or(DSL.row(TASK_INSTANCE.RUN_ID, TASK_INSTANCE.TASK_ID)
                                        .notIn(fullMapped)))
                        .orderBy(TASK_INSTANCE.READY_AT, TASK_INSTANCE.ID)
                        .limit(Math.max(limit * 4, 64))
                        .forUpdate()
                        .skipLocked());
        Field<Long> cId = cand.field("id", Long.class);
        Field<String> cPool = cand.field("pool", String.class);
        Field<String> cDag = cand.field("dag_id", String.class);
        Field<OffsetDateTime> cReady = cand.field("ready_at", OffsetDateTime.class);
        Field<Long> cRun = cand.field("run_id", Long.class);
        Field<String> cTask = cand.field("task_id", String.class);
        Field<Integer> cMapLimit = cand.field("map_limit", Integer.class);
        // A mapped instance's free slots: its limit less its running siblings (null: not limited).
        Field<Integer> mapFree = cMapLimit.minus(DSL.field(DSL.selectCount()
                .from(r)
                .where(r.STATE.eq(running), r.MAP_LIMIT.isNotNull(), r.RUN_ID.eq(cRun), r.TASK_ID.eq(cTask))));

        // Free slots of the pools and DAGs in the window; an unknown pool has no limit.
        Field<Integer> poolFree = DSL.field(DSL.select(POOL.SLOTS.minus(
                        DSL.field(DSL.selectCount().from(r).where(r.STATE.eq(running), r.POOL.eq(POOL.NAME)))))
                .from(POOL)
                .where(POOL.NAME.eq(cPool)));
        Field<Integer> dagFree = DSL.field(DSL.select(maxActiveTasks()
                        .minus(DSL.field(
                                DSL.selectCount().from(r).where(r.STATE.eq(running), r.DAG_ID.eq(DAG.DAG_ID)))))
                .from(DAG)
                .join(DAG_VERSION)
                .on(DAG_VERSION.ID.eq(DAG.LATEST_VERSION_ID))
                .where(DAG.DAG_ID.eq(cDag)));

        var ranked = DSL.select(
                        cId.as("id"),
                        cReady.as("ready_at"),
                        DSL.rowNumber()
                                .over(DSL.partitionBy(cPool).orderBy(cReady, cId))
                                .as("pool_rank"),
                        DSL.rowNumber()
                                .over(DSL.partitionBy(cDag).orderBy(cReady, cId))
                                .as("dag_rank"),
                        DSL.rowNumber()
                                .over(DSL.partitionBy(cRun, cTask).orderBy(cReady, cId))
                                .as("map_rank"),
                        DSL.coalesce(mapFree, DSL.val(UNLIMITED)).as("map_free"),
                        DSL.coalesce(poolFree, DSL.val(UNLIMITED)).as("pool_free"),
                        DSL.coalesce(dagFree, DSL.val(UNLIMITED)).as("dag_free"))
                .from(cand)
                .asTable("ranked");
        return tx.with(cand)
                .select(ranked.field("id", Long.class))
                .from(ranked)
                .where(ranked.field("pool_rank", Integer.class).le(ranked.field("pool_free", Integer.class)))
                .and(ranked.field("dag_rank", Integer.class).le(ranked.field("dag_free", Integer.class)))
                .and(ranked.field("map_rank", Integer.class).le(ranked.field("map_free", Integer.class)))
                .orderBy(ranked.field("ready_at"), ranked.field("id"))
                .limit(limit);
    }
}
