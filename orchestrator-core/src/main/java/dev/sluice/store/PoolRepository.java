package dev.sluice.store;

import static dev.sluice.db.jooq.Tables.POOL;
import static dev.sluice.db.jooq.Tables.TASK_INSTANCE;

import dev.sluice.run.TaskState;
import java.util.List;
import java.util.Optional;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/**
 * Pools: named slots shared by all DAGs; a task names its pool ({@code default} when it names none). The claim
 * query enforces the slots; this is where they are read and changed.
 */
public final class PoolRepository {
    public static final String DEFAULT_POOL = "default";

    private final DSLContext dsl;

    public PoolRepository(DSLContext dsl) {
        this.dsl = dsl;
    }

    public record Pool(String name, int slots, String description) {}

    /** A pool with how many of its slots are taken now and how many tasks wait for one. */
    public record PoolUsage(String name, int slots, String description, int running, int queued) {}

    public List<Pool> list() {
        return dsl.selectFrom(POOL)
                .orderBy(POOL.NAME)
                .fetch(r -> new Pool(r.getName(), r.getSlots(), r.getDescription()));
    }

    public Optional<Pool> get(String name) {
        return dsl.selectFrom(POOL)
                .where(POOL.NAME.eq(name))
                .fetchOptional()
                .map(r -> new Pool(r.getName(), r.getSlots(), r.getDescription()));
    }

    /** Creates the pool or changes its slots and description. Lowering slots never stops running tasks. */
    public Pool put(String name, int slots, String description) {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("a pool needs a name");
        if (slots < 0) throw new IllegalArgumentException("pool " + name + ": slots must be 0 or more, got " + slots);
        dsl.insertInto(POOL)
                .set(POOL.NAME, name)
                .set(POOL.SLOTS, slots)
                .set(POOL.DESCRIPTION, description)
                .onConflict(POOL.NAME)
                .doUpdate()
                .set(POOL.SLOTS, slots)
                .set(POOL.DESCRIPTION, description)
                .execute();
        return new Pool(name, slots, description);
    }

    /** Deletes a pool; the default pool stays. Tasks naming a deleted pool run without a pool limit. */
    public boolean delete(String name) {
        if (DEFAULT_POOL.equals(name)) throw new IllegalArgumentException("the default pool cannot be deleted");
        return dsl.deleteFrom(POOL).where(POOL.NAME.eq(name)).execute() == 1;
    }

    public List<PoolUsage> usage() {
        var running = DSL.count().filterWhere(TASK_INSTANCE.STATE.eq(TaskState.RUNNING.dbName()));
        var queued =
                DSL.count().filterWhere(TASK_INSTANCE.STATE.in(TaskInstanceRepository.dbNames(TaskState.CLAIMABLE)));
        return dsl.select(POOL.NAME, POOL.SLOTS, POOL.DESCRIPTION, running, queued)
                .from(POOL)
                .leftJoin(TASK_INSTANCE)
                .on(TASK_INSTANCE
                        .POOL
                        .eq(POOL.NAME)
                        .and(TASK_INSTANCE.STATE.in(TaskInstanceRepository.dbNames(java.util.EnumSet.of(
                                TaskState.RUNNING,
                                TaskState.QUEUED,
                                TaskState.UP_FOR_RETRY,
                                TaskState.UP_FOR_RESCHEDULE)))))
                .groupBy(POOL.NAME, POOL.SLOTS, POOL.DESCRIPTION)
                .orderBy(POOL.NAME)
                .fetch(r -> new PoolUsage(r.value1(), r.value2(), r.value3(), r.value4(), r.value5()));
    }

    /** Of the given pool names, those that do not exist. */
    public List<String> unknown(java.util.Collection<String> names) {
        var known = new java.util.HashSet<>(
                dsl.select(POOL.NAME).from(POOL).where(POOL.NAME.in(names)).fetch(POOL.NAME));
        return names.stream()
                .filter(n -> !known.contains(n))
                .distinct()
                .sorted()
                .toList();
    }
}
