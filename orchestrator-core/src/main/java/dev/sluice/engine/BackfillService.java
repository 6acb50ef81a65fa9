package dev.sluice.engine;

import static dev.sluice.db.jooq.Tables.BACKFILL;
import static dev.sluice.db.jooq.Tables.DAG_RUN;
import static dev.sluice.store.TaskInstanceRepository.utc;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import dev.sluice.dag.Dag;
import dev.sluice.dag.Schedules;
import dev.sluice.store.DagRepository;
import dev.sluice.store.RunRepository;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.jooq.DSLContext;

/**
 * Creates the runs of a backfill: one per schedule tick from the start of {@code from} to the end of {@code to}
 * in the DAG's timezone, each covering the interval up to the next tick. Runs that already exist are left alone,
 * or cleared to run again with {@code rerunExisting}. The runs queue like any other and start within the DAG's
 * max_active_runs; the backfill's own max_active_runs is recorded for the scheduler to honour.
 */
public final class BackfillService {
    /** A backfill bigger than this is almost certainly a wrong date range. */
    public static final int MAX_RUNS = 10_000;
    private static final CronParser UNIX = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));

    private final DSLContext dsl;
    private final DagRepository dags;
    private final RunCoordinator coordinator;
    private final RunControl control;
    private final RunRepository runs = new RunRepository();

    public BackfillService(DSLContext dsl, DagRepository dags, RunCoordinator coordinator, RunControl control) {
        this.dsl = dsl;
        this.dags = dags;
        this.coordinator = coordinator;
        this.control = control;
    }

    public record Created(long backfillId, int runsCreated) {}

    public Created create(String dagId, LocalDate from, LocalDate to, int maxActiveRuns, boolean rerunExisting, String by) {
        long versionId = dags.latestVersionId(dagId).orElseThrow(() -> new NoSuchElementException("no DAG " + dagId));
        Dag dag = dags.version(versionId);
        if (dag.schedule() == null) throw new IllegalArgumentException("DAG " + dagId + " has no schedule to backfill");
        if (to.isBefore(from)) throw new IllegalArgumentException("'to' is before 'from'");
        if (maxActiveRuns < 1) throw new IllegalArgumentException("max_active_runs must be at least 1");
        List<Instant> ticks = ticks(dag, from, to);
        long id = dsl.insertInto(BACKFILL).set(BACKFILL.DAG_ID, dagId).set(BACKFILL.FROM_DATE, from).set(BACKFILL.TO_DATE, to)
                .set(BACKFILL.MAX_ACTIVE_RUNS, maxActiveRuns).set(BACKFILL.RERUN_EXISTING, rerunExisting)
                .set(BACKFILL.CREATED_BY, by).returningResult(BACKFILL.ID).fetchOne().value1();
        int created = 0;
        for (int i = 0; i < ticks.size() - 1; i++) {
            Instant tick = ticks.get(i), end = ticks.get(i + 1);
            try {
                long key = coordinator.createRun(dagId, "backfill", tick, tick, end, Map.of(), by);
                claim(key, id);
                created++;
            } catch (RunRepository.RunExistsException e) {
                if (rerunExisting && rerun(dagId, tick, id)) created++;
            }
        }
        dsl.update(BACKFILL).set(BACKFILL.RUNS_CREATED, created).where(BACKFILL.ID.eq(id)).execute();
        return new Created(id, created);
    }

    private void claim(long runKey, long backfillId) {
        dsl.update(DAG_RUN).set(DAG_RUN.BACKFILL_ID, backfillId).where(DAG_RUN.ID.eq(runKey)).execute();
    }

    /** Clears every task of a finished run at that date; an unfinished run is left to finish. */
    private boolean rerun(String dagId, Instant tick, long backfillId) {
        var row = dsl.select(DAG_RUN.ID, DAG_RUN.STATE, DAG_RUN.DAG_VERSION_ID).from(DAG_RUN)
                .where(DAG_RUN.DAG_ID.eq(dagId), DAG_RUN.LOGICAL_DATE.eq(utc(tick))).fetchOne();
        if (row == null || !dev.sluice.run.RunState.fromDb(row.value2()).isTerminal()) return false;
        List<String> all = dags.version(row.value3()).tasks().stream().map(t -> t.id()).toList();
        control.clear(row.value1(), all, false, false);
        claim(row.value1(), backfillId);
        return true;
    }

    /** Ticks in [from 00:00, to+1 00:00) plus the one after, which ends the last interval. */
    static List<Instant> ticks(Dag dag, LocalDate from, LocalDate to) {
        ZoneId zone = ZoneId.of(dag.timezone() == null ? "UTC" : dag.timezone());
        ExecutionTime cron = ExecutionTime.forCron(UNIX.parse(Schedules.toUnixCron(dag.schedule())));
        ZonedDateTime start = from.atStartOfDay(zone), end = to.plusDays(1).atStartOfDay(zone);
        List<Instant> out = new ArrayList<>();
        ZonedDateTime t = cron.isMatch(start) ? start : cron.nextExecution(start).orElse(null);
        while (t != null && t.isBefore(end)) {
            out.add(t.toInstant());
            if (out.size() > MAX_RUNS) throw new IllegalArgumentException("backfill would create more than " + MAX_RUNS + " runs");
            t = cron.nextExecution(t).orElse(null);
        }
        if (t != null && !out.isEmpty()) out.add(t.toInstant());
        return out;
    }
}
