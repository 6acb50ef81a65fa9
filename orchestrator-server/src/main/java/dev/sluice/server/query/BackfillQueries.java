package dev.sluice.server.query;

import static dev.sluice.db.jooq.Tables.BACKFILL;
import static dev.sluice.db.jooq.Tables.DAG_RUN;

import java.time.LocalDate;
import java.util.List;
import java.util.NoSuchElementException;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/** Backfills with their state, read from the states of the runs they created (one grouped query). */
public final class BackfillQueries {
    private final DSLContext dsl;

    public BackfillQueries(DSLContext dsl) {
        this.dsl = dsl;
    }

    /** {@code state}: running while any of its runs is unfinished, then failed if any failed, else success. */
    public record BackfillView(long backfillId, String dagId, LocalDate from, LocalDate to, int runsCreated, String state) {}

    public List<BackfillView> list(String dagId) {
        return query(dagId == null ? DSL.noCondition() : BACKFILL.DAG_ID.eq(dagId), 500);
    }

    public BackfillView get(long id) {
        return query(BACKFILL.ID.eq(id), 1).stream().findFirst().orElseThrow(() -> new NoSuchElementException("no backfill " + id));
    }

    private List<BackfillView> query(Condition cond, int limit) {
        var unfinished = DSL.count().filterWhere(DAG_RUN.STATE.in("queued", "running"));
        var failed = DSL.count().filterWhere(DAG_RUN.STATE.in("failed", "cancelled"));
        return dsl.select(BACKFILL.ID, BACKFILL.DAG_ID, BACKFILL.FROM_DATE, BACKFILL.TO_DATE, BACKFILL.RUNS_CREATED, unfinished, failed)
                .from(BACKFILL).leftJoin(DAG_RUN).on(DAG_RUN.BACKFILL_ID.eq(BACKFILL.ID))
                .where(cond).groupBy(BACKFILL.ID).orderBy(BACKFILL.ID.desc()).limit(limit)
                .fetch(r -> new BackfillView(r.value1(), r.value2(), r.value3(), r.value4(), r.value5(),
                        r.value6() > 0 ? "running" : r.value7() > 0 ? "failed" : "success"));
    }
}
