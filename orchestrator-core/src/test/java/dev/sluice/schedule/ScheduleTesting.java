package dev.sluice.schedule;

import static dev.sluice.db.jooq.Tables.DAG_RUN;

import dev.sluice.dag.Dag;
import dev.sluice.dag.DagBuilder;
import dev.sluice.engine.Engine;
import dev.sluice.store.ScheduleRepository;
import dev.sluice.testing.EngineHarness;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.function.UnaryOperator;

/** Shared by the schedule tests: scheduled DAGs and what runs they got. */
final class ScheduleTesting {
    private ScheduleTesting() {}

    static Dag scheduledDag(EngineHarness h, String id, String cron, UnaryOperator<DagBuilder> more) {
        return more.apply(DagBuilder.dag(id).schedule(cron).task("t", "noop")).build(h.types);
    }

    static Dag daily(EngineHarness h, String id, boolean catchup, LocalDate start) {
        return scheduledDag(h, id, "@daily", b -> b.catchup(catchup).startDate(start));
    }

    static ScheduledRunCreator firing(Engine e, Clock clock) {
        return new ScheduledRunCreator(new ScheduleRepository(e.database().dsl()), e.dags(), e.runs(), clock);
    }

    /** Logical dates of the DAG's runs of a type, oldest first. */
    static List<Instant> logicalDates(EngineHarness h, String dagId, String runType) {
        return h.db.dsl()
                .select(DAG_RUN.LOGICAL_DATE)
                .from(DAG_RUN)
                .where(DAG_RUN.DAG_ID.eq(dagId), DAG_RUN.RUN_TYPE.eq(runType))
                .orderBy(DAG_RUN.LOGICAL_DATE)
                .fetch(r -> r.value1().toInstant());
    }

    static Instant t(String iso) {
        return Instant.parse(iso);
    }
}
