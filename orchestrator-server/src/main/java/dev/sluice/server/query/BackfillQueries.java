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

    /** {@code runs_created}: runs the backfill created or re-ran so far; {@code state} is the backfill's own. */
    public record BackfillView(
            long backfillId,
            String dagId,
            LocalDate from,
            LocalDate to,
            int runsCreated,
            int maxActiveRuns,
            String state) {}

    public List<BackfillView> list(String dagId) {
        return query(dagId == null ? DSL.noCondition() : BACKFILL.DAG_ID.eq(dagId), 500);
    }

    public BackfillView get(long id) {
        return query(BACKFILL.ID.eq(id), 1).stream()
                .findFirst()
                .orElseThrow(() -> new NoSuchElementException("no backfill " + id));
    }

    private List<BackfillView> query(Condition cond, int limit) {
        return dsl.select(
                        BACKFILL.ID,
                        BACKFILL.DAG_ID,
                        BACKFILL.FROM_DATE,
                        BACKFILL.TO_DATE,
                        DSL.count(DAG_RUN.ID),
                        BACKFILL.MAX_ACTIVE_RUNS,
                        BACKFILL.STATE)
                .from(BACKFILL)
                .leftJoin(DAG_RUN)
                .on(DAG_RUN.BACKFILL_ID.eq(BACKFILL.ID))
                .where(cond)
                .groupBy(BACKFILL.ID)
                .orderBy(BACKFILL.ID.desc())
                .limit(limit)
                .fetch(r -> new BackfillView(
                        r.value1(),
                        r.value2(),
                        utcDate(r.value3()),
                        utcDate(r.value4()),
                        r.value5(),
                        r.value6(),
                        r.value7()));
    }

    private static LocalDate utcDate(java.time.OffsetDateTime t) {
        return t.withOffsetSameInstant(java.time.ZoneOffset.UTC).toLocalDate();
    }
}
