package dev.sluice.bench;

import dev.sluice.dag.Dag;
import dev.sluice.dag.TaskDef;
import dev.sluice.engine.Engine;
import dev.sluice.engine.EngineConfig;
import dev.sluice.engine.Services;
import dev.sluice.store.Database;
import dev.sluice.task.TaskTypeRegistry;
import dev.sluice.testing.TestDags;
import dev.sluice.testing.TestDatabase;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Engine benchmarks (not unit tests): run with {@code scripts/bench-engine}.
 * (a) hand-off: 100 concurrent runs of a 10-task linear DAG of 100 ms noop tasks, slots for all of them;
 *     lag = downstream start - upstream end, median / p99 / sum.
 * (b) throughput: 20,000 independent zero-duration noop tasks through claim, run and record.
 */
public final class EngineBenchmark {

    public static void main(String[] args) throws Exception {
        String which = args.length > 0 ? args[0] : "all";
        if (which.equals("all") || which.equals("handoff")) handoff();
        if (which.equals("all") || which.equals("throughput")) throughput();
        System.exit(0);
    }

    static Engine engine(Database db, int slots) throws Exception {
        EngineConfig cfg =
                EngineConfig.defaults(Files.createTempDirectory("sluice-bench")).withSlots(slots);
        return new Engine(db, TaskTypeRegistry.discover(), cfg, Clock.systemUTC(), new Services()).start();
    }

    static void handoff() throws Exception {
        try (Database db = TestDatabase.fresh(32)) {
            Engine engine = engine(db, 100);
            // max_active_tasks and the default pool must not be what limits the benchmark
            Dag dag = unlimited(TestDags.linear("handoff", 10, "noop", Map.of("duration", "100ms")));
            unlimitedPool(db);
            engine.dags().save(dag, "handoff.yaml", null);
            // warm-up: JIT and connection pool
            waitAll(
                    db,
                    List.of(engine.runs()
                            .createRun(
                                    "handoff",
                                    "manual",
                                    Instant.parse("2020-01-01T00:00:00Z"),
                                    null,
                                    null,
                                    Map.of(),
                                    "bench")));
            db.dsl().execute("delete from dag_run");

            Instant t0 = Instant.now();
            List<Long> runs = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                runs.add(engine.runs()
                        .createRun(
                                "handoff",
                                "manual",
                                Instant.parse("2026-01-01T00:00:00Z").plusSeconds(i),
                                null,
                                null,
                                Map.of(),
                                "bench"));
            }
            waitAll(db, runs);
            Duration wall = Duration.between(t0, Instant.now());

            // upstream end -> downstream start, for every dependent task (900 of them)
            List<Double> lags = db.dsl().fetch("""
                    select extract(epoch from (d.started_at - u.ended_at)) * 1000
                    from task_instance d join task_instance u
                      on u.run_id = d.run_id and u.task_id = 't' || (substring(d.task_id from 2)::int - 1)
                    where d.task_id <> 't0'""").getValues(0, Double.class);
            // run queued -> first task start (100 of them), so the sum covers all 1,000 tasks
            List<Double> firsts = db.dsl().fetch("""
                    select extract(epoch from (t.started_at - r.queued_at)) * 1000
                    from task_instance t join dag_run r on r.id = t.run_id where t.task_id = 't0'""").getValues(0, Double.class);
            List<Double> all = new ArrayList<>(lags);
            all.addAll(firsts);
            System.out.printf("(a) hand-off, 100 runs x 10 tasks x 100 ms, %d slots%n", 100);
            System.out.printf(
                    "    upstream end -> downstream start (n=%d): median %.2f ms, p99 %.2f ms, max %.2f ms, sum %.0f ms%n",
                    lags.size(), pct(lags, 50), pct(lags, 99), pct(lags, 100), sum(lags));
            System.out.printf(
                    "    run queued -> first task start (n=%d): median %.2f ms, p99 %.2f ms%n",
                    firsts.size(), pct(firsts, 50), pct(firsts, 99));
            System.out.printf(
                    "    sum over all %d tasks: %.0f ms; wall %d ms (ideal 1,000 ms)%n",
                    all.size(), sum(all), wall.toMillis());
            engine.close();
        }
    }

    static void throughput() throws Exception {
        try (Database db = TestDatabase.fresh(32)) {
            int slots = Integer.getInteger("slots", 512);
            Engine engine = engine(db, slots);
            List<TaskDef> tasks = new ArrayList<>();
            for (int i = 0; i < 1000; i++) tasks.add(TestDags.task("n" + i, "noop", List.of(), Map.of()));
            engine.dags().save(unlimited(TestDags.dag("wide", 100, tasks)), "wide.yaml", null);
            unlimitedPool(db);
            waitAll(
                    db,
                    List.of(engine.runs()
                            .createRun(
                                    "wide",
                                    "manual",
                                    Instant.parse("2020-01-01T00:00:00Z"),
                                    null,
                                    null,
                                    Map.of(),
                                    "bench")));
            db.dsl().execute("delete from dag_run");

            Instant t0 = Instant.now();
            List<Long> runs = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                runs.add(engine.runs()
                        .createRun(
                                "wide",
                                "manual",
                                Instant.parse("2026-01-01T00:00:00Z").plusSeconds(i),
                                null,
                                null,
                                Map.of(),
                                "bench"));
            }
            Instant created = Instant.now();
            waitAll(db, runs);
            Instant t1 = Instant.now();
            var span = db.dsl().fetchOne("select min(started_at), max(ended_at), count(*) from attempt");
            Duration work = Duration.between(span.get(0, OffsetDateTime.class), span.get(1, OffsetDateTime.class));
            long n = span.get(2, Long.class);
            System.out.printf("(b) throughput, %d zero-duration noop tasks (20 runs x 1,000), %d slots%n", n, slots);
            System.out.printf(
                    "    creating the runs: %d ms; first claim -> last completion: %d ms = %.0f tasks/s; end to end incl. run creation: %d ms = %.0f tasks/s%n",
                    Duration.between(t0, created).toMillis(),
                    work.toMillis(),
                    n * 1000.0 / work.toMillis(),
                    Duration.between(t0, t1).toMillis(),
                    n * 1000.0 / Duration.between(t0, t1).toMillis());
            engine.close();
        }
    }

    static Dag unlimited(Dag d) {
        return new Dag(
                d.id(),
                d.description(),
                d.schedule(),
                d.timezone(),
                d.startDate(),
                d.endDate(),
                d.catchup(),
                d.maxActiveRuns(),
                100_000,
                d.tags(),
                d.params(),
                d.tasks());
    }

    static void unlimitedPool(Database db) {
        db.dsl().execute("update pool set slots = 100000 where name = 'default'");
    }

    static void waitAll(Database db, List<Long> runs) throws InterruptedException {
        while (true) {
            long open = db.dsl()
                    .fetchCount(
                            dev.sluice.db.jooq.Tables.DAG_RUN,
                            dev.sluice.db.jooq.Tables.DAG_RUN
                                    .ID
                                    .in(runs)
                                    .and(dev.sluice.db.jooq.Tables.DAG_RUN.STATE.in("queued", "running")));
            if (open == 0) return;
            Thread.sleep(5);
        }
    }

    static double pct(List<Double> xs, double p) {
        List<Double> s = new ArrayList<>(xs);
        s.sort(Double::compare);
        int i = (int) Math.ceil(p / 100.0 * s.size()) - 1;
        return s.get(Math.max(0, Math.min(s.size() - 1, i)));
    }

    static double sum(List<Double> xs) {
        return xs.stream().mapToDouble(Double::doubleValue).sum();
    }
}
