package dev.sluice.bench;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.task.TaskInstance;
import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import dev.sluice.dag.Dag;
import dev.sluice.dag.TaskDef;
import dev.sluice.engine.Engine;
import dev.sluice.engine.EngineConfig;
import dev.sluice.engine.RunCoordinator.RunRequest;
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
 * Engine benchmarks (not unit tests): run with {@code scripts/bench-engine}. Results: BENCHMARKS.md §1.
 * (a) hand-off: 100 concurrent runs of a 10-task linear DAG of 100 ms noop tasks, slots for all of them, the
 *     runs created in one batch (as a backfill or a burst of triggers creates them); lag = downstream start -
 *     upstream end, median / p99 / sum.
 * (b) throughput: 20,000 independent zero-duration noop tasks (20 runs x 1,000) through claim, run and record,
 *     alternating with db-scheduler running 20,000 zero-duration one-time executions with its tuned settings
 *     (immediate execution, lock-and-fetch polling) on the same PostgreSQL server with the same durability.
 *     Both sides are timed the same way: from just before the work is created (runs inserted / executions
 *     scheduled, the engine or scheduler already started) until the database shows all of it finished.
 * (c) mapping ({@code scripts/bench-engine mapping}, -Dinstances=N): one run mapping 10,000 zero-duration noop
 *     instances, twice: over a literal list (expanded as the run is created) and over an upstream's output
 *     (expanded when that task succeeds), each followed by a reduce step; expansion time and tasks/s. Alternates
 *     with (b)'s Sluice side (-Drounds=N, 3 by default) so the mapped rate is compared with the plain one measured
 *     in the same minutes: on a shared machine only a same-run reference says whether mapping costs throughput.
 */
public final class EngineBenchmark {
    static final int TASKS = 20_000;

    public static void main(String[] args) throws Exception {
        String which = args.length > 0 ? args[0] : "all";
        ProcessCpu pg = ProcessCpu.forPostgresOnPort(TestDatabase.embeddedPort());
        if (which.equals("all") || which.equals("handoff")) handoff();
        if (which.equals("all") || which.equals("throughput")) compare(pg, Integer.getInteger("rounds", 3), true);
        if (which.equals("sluice")) compare(pg, Integer.getInteger("rounds", 1), false);
        if (which.equals("chain")) chain();
        if (which.equals("bigdag")) bigDag(Integer.getInteger("bigdag.tasks", 10_000));
        if (which.equals("mapping")) mappingAgainstPlain(pg, Integer.getInteger("instances", 10_000));
        System.exit(0);
    }

    static Engine engine(Database db, int slots) throws Exception {
        EngineConfig cfg =
                EngineConfig.defaults(Files.createTempDirectory("sluice-bench")).withSlots(slots);
        return new Engine(
                        db,
                        TaskTypeRegistry.discover().register(new CodeStart()),
                        cfg,
                        Clock.systemUTC(),
                        new Services())
                .start();
    }

    /**
     * A noop that says when its code began (output {@code code_started}): a task instance's started_at is the
     * claim's timestamp, taken before the claim's commit, and the task's code starts after that commit and its
     * dispatch. Measuring to this instant shows what a user's code really waits.
     */
    static final class CodeStart implements dev.sluice.task.TaskType {
        @Override
        public String name() {
            return "code_start";
        }

        @Override
        public String description() {
            return "records when its code started, then waits";
        }

        @Override
        public List<dev.sluice.task.ConfigField> configFields() {
            return List.of(dev.sluice.task.ConfigField.optional(
                    "duration", dev.sluice.task.FieldType.DURATION, "0ms", "how long to wait"));
        }

        @Override
        public dev.sluice.task.TaskResult execute(dev.sluice.task.TaskContext ctx) throws Exception {
            String started = Instant.now().toString();
            long ms = dev.sluice.task.Durations.parse(
                            String.valueOf(ctx.config().getOrDefault("duration", "0ms")))
                    .toMillis();
            if (ms > 0) Thread.sleep(ms);
            return dev.sluice.task.TaskResult.of(Map.of("code_started", started));
        }
    }

    static List<RunRequest> requests(String dagId, int n, Instant from) {
        List<RunRequest> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new RunRequest(dagId, "manual", from.plusSeconds(i), null, null, Map.of(), "bench"));
        }
        return out;
    }

    static void handoff() throws Exception {
        try (Database db = TestDatabase.fresh(32)) {
            Engine engine = engine(db, 100);
            // max_active_tasks and the default pool must not be what limits the benchmark
            Dag dag = unlimited(TestDags.linear("handoff", 10, "code_start", Map.of("duration", "100ms")));
            unlimitedPool(db);
            engine.dags().save(dag, "handoff.yaml", null);
            // warm-up: JIT and connection pool
            waitAll(db, engine.runs().createRuns(requests("handoff", 10, Instant.parse("2020-01-01T00:00:00Z"))));
            db.dsl().execute("delete from dag_run");

            Instant t0 = Instant.now();
            // -Dhandoff.create=one-by-one: the runs created one after another, as the benchmark did before batching
            List<Long> runs = new ArrayList<>();
            if (System.getProperty("handoff.create", "batch").equals("one-by-one")) {
                for (RunRequest r : requests("handoff", 100, Instant.parse("2026-01-01T00:00:00Z")))
                    runs.addAll(engine.runs().createRuns(List.of(r)));
            } else {
                runs.addAll(engine.runs().createRuns(requests("handoff", 100, Instant.parse("2026-01-01T00:00:00Z"))));
            }
            Instant created = Instant.now();
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
            // started_at is the claim's timestamp, taken in the transaction that claims, before its commit; the task's
            // code begins after that commit and its dispatch (CodeStart records when): the same lags measured to that
            // instant are what a user's code waits.
            List<Double> realLags = db.dsl().fetch("""
                    select extract(epoch from ((d.output ->> 'code_started')::timestamptz - u.ended_at)) * 1000
                    from task_instance d join task_instance u
                      on u.run_id = d.run_id and u.task_id = 't' || (substring(d.task_id from 2)::int - 1)
                    where d.task_id <> 't0'""").getValues(0, Double.class);
            List<Double> realFirsts = db.dsl().fetch("""
                    select extract(epoch from ((t.output ->> 'code_started')::timestamptz - ?::timestamptz)) * 1000
                    from task_instance t where t.task_id = 't0'""", t0.toString()).getValues(0, Double.class);
            List<Double> realAll = new ArrayList<>(realLags);
            realAll.addAll(realFirsts);
            System.out.printf(
                    "(a) hand-off, 100 runs x 10 tasks x 100 ms, 100 slots; the 100 runs created in one batch in %d ms%n",
                    Duration.between(t0, created).toMillis());
            System.out.printf(
                    "    upstream end -> downstream start (n=%d): median %.2f ms, p99 %.2f ms, max %.2f ms, sum %.0f ms%n",
                    lags.size(), pct(lags, 50), pct(lags, 99), pct(lags, 100), sum(lags));
            System.out.printf(
                    "    run queued -> first task start (n=%d): median %.2f ms, p99 %.2f ms%n",
                    firsts.size(), pct(firsts, 50), pct(firsts, 99));
            System.out.printf(
                    "    sum over all %d tasks: %.0f ms; wall %d ms (ideal 1,000 ms)%n",
                    all.size(), sum(all), wall.toMillis());
            System.out.printf(
                    "    to the task's code starting (CodeStart): hand-off median %.2f ms, p99 %.2f ms, sum %.0f ms;"
                            + " request -> first task's code median %.2f ms; sum over all %d tasks %.0f ms%n",
                    pct(realLags, 50),
                    pct(realLags, 99),
                    sum(realLags),
                    pct(realFirsts, 50),
                    realAll.size(),
                    sum(realAll));
            engine.close();
        }
    }

    /**
     * One DAG of {@code n} tasks (a grid: each task depends on the one before it in its row of 100 and on the one
     * above it), as a user would write it: the YAML parsed and validated, stored, and a run created. Each step
     * timed over five rounds after two of warm-up; the run's tasks go to a queue nobody serves, so creating it is
     * all that is measured.
     */
    static void bigDag(int n) throws Exception {
        StringBuilder yaml = new StringBuilder("id: big\nmax_active_tasks: 64\ntasks:\n");
        for (int i = 0; i < n; i++) {
            yaml.append("  - id: t").append(i).append("\n    type: noop\n");
            List<String> deps = new ArrayList<>();
            if (i % 100 != 0) deps.add("t" + (i - 1));
            if (i >= 100) deps.add("t" + (i - 100));
            if (!deps.isEmpty())
                yaml.append("    depends_on: [").append(String.join(", ", deps)).append("]\n");
        }
        String source = yaml.toString();
        TaskTypeRegistry types = TaskTypeRegistry.discover();
        try (Database db = TestDatabase.fresh(8)) {
            EngineConfig cfg = EngineConfig.defaults(Files.createTempDirectory("sluice-bench"))
                    .withQueues(List.of("_bench.served"));
            Engine engine = new Engine(db, types, cfg, Clock.systemUTC(), new Services()).start();
            List<Double> parse = new ArrayList<>(), store = new ArrayList<>(), create = new ArrayList<>();
            for (int round = 0; round < 7; round++) {
                // a distinct definition each round, so each store writes a new version as an edit would
                String text = source.replaceFirst("\n", "\ndescription: round " + round + "\n");
                long t0 = System.nanoTime();
                Dag dag = new dev.sluice.dag.YamlDagParser(types).parse(text, "big.yaml");
                long t1 = System.nanoTime();
                engine.dags().save(dag, "big.yaml", text);
                long t2 = System.nanoTime();
                engine.runs()
                        .createRun(
                                "big",
                                "manual",
                                Instant.parse("2026-01-01T00:00:00Z").plusSeconds(round),
                                null,
                                null,
                                Map.of(),
                                "bench",
                                "_bench.nobody");
                long t3 = System.nanoTime();
                if (round >= 2) {
                    parse.add((t1 - t0) / 1e6);
                    store.add((t2 - t1) / 1e6);
                    create.add((t3 - t2) / 1e6);
                }
            }
            long rows = ((Number) db.dsl().fetchValue("select count(*) from task_instance")).longValue();
            System.out.printf("one DAG of %,d tasks (%,d task instances created in all):%n", n, rows);
            System.out.printf("    parse + validate: median %.0f ms (min %.0f)%n", pct(parse, 50), pct(parse, 0));
            System.out.printf("    store a version:  median %.0f ms (min %.0f)%n", pct(store, 50), pct(store, 0));
            System.out.printf("    create a run:     median %.0f ms (min %.0f)%n", pct(create, 50), pct(create, 0));
            System.out.printf("    validation + run creation: median %.0f ms%n", pct(parse, 50) + pct(create, 50));
            engine.close();
        }
    }

    /**
     * What {@code sluice dags test} does for a 200-task chain of zero-duration tasks (-Dchain.tasks=N for another
     * length: how a hand-off's cost grows with the run's size), inside this JVM: the engine's
     * defaults (32 slots), one run on a queue of its own. Separates the engine's hand-off from the CLI's start-up.
     */
    static void chain() throws Exception {
        try (Database db = TestDatabase.fresh(24)) {
            EngineConfig cfg = EngineConfig.defaults(Files.createTempDirectory("sluice-bench"))
                    .withQueues(List.of("_dags_test.bench"));
            Engine engine = new Engine(db, TaskTypeRegistry.discover(), cfg, Clock.systemUTC(), new Services()).start();
            int n = Integer.getInteger("chain.tasks", 200);
            engine.dags().save(TestDags.linear("chain", n, "noop", Map.of()), "chain.yaml", null);
            boolean pgss = Boolean.getBoolean("sluice.test.pgss");
            if (pgss) db.dsl().execute("create extension if not exists pg_stat_statements");
            for (int round = 0; round < 3; round++) {
                if (pgss) db.dsl().execute("select pg_stat_statements_reset()");
                long run = engine.runs()
                        .createRun(
                                "chain",
                                "manual",
                                Instant.parse("2026-01-01T00:00:00Z").plusSeconds(round),
                                null,
                                null,
                                Map.of(),
                                "bench",
                                "_dags_test.bench");
                waitAll(db, List.of(run));
                List<Double> lags = db.dsl().fetch("""
                        select extract(epoch from (d.started_at - u.ended_at)) * 1000
                        from task_instance d join task_instance u
                          on u.run_id = d.run_id and u.task_id = 't' || (substring(d.task_id from 2)::int - 1)
                        where d.task_id <> 't0' and d.run_id = ?""", run).getValues(0, Double.class);
                // what a user waits: the run's wall time per task (each task's run, record, commit and claim)
                double wall = db.dsl().fetchOne("""
                        select extract(epoch from (max(ended_at) - min(started_at))) * 1000 from task_instance
                        where run_id = ?""", run).get(0, Double.class);
                System.out.printf(
                        "chain of %d in one run: started_at - upstream ended_at median %.2f ms, p99 %.2f ms; first start -> last end %.0f ms = %.2f ms per task%n",
                        n, pct(lags, 50), pct(lags, 99), wall, wall / n);
                if (pgss) printStatements(db);
            }
            engine.close();
            // The floor under any hand-off with durable commits: one single-row transaction, committed (WAL fsync).
            db.dsl().execute("create table commit_probe (x int)");
            List<Double> commits = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                long t = System.nanoTime();
                db.dsl().execute("insert into commit_probe values (1)");
                commits.add((System.nanoTime() - t) / 1e6);
            }
            System.out.printf(
                    "one durable single-row commit (autocommit insert), n=200: median %.2f ms, p99 %.2f ms%n",
                    pct(commits, 50), pct(commits, 99));
        }
    }

    /** A mapped run's instances per second, both ways of expanding, each from first start to last end. */
    record MappedRates(double literal, double upstream) {}

    /**
     * (c) against (b): mapped round, plain round, mapped, plain, ... each in a fresh database. Both rates are taken
     * the same way, from the first task's start to the last one's end (attempts for the plain tasks, the mapped
     * task's instances for the run), so run creation and the reduce step stay outside both.
     */
    static void mappingAgainstPlain(ProcessCpu pg, int n) throws Exception {
        int rounds = Integer.getInteger("rounds", 3);
        List<Double> literal = new ArrayList<>(), upstream = new ArrayList<>(), plain = new ArrayList<>();
        // Round 1's mapped run would otherwise be the JVM's first engine work and the plain round after it would
        // find the JIT warm: one uncounted mapped run first puts both sides on the same footing.
        System.out.println("(c) warm-up round, not counted:");
        mapping(n);
        for (int i = 1; i <= rounds; i++) {
            MappedRates m = mapping(n);
            literal.add(m.literal());
            upstream.add(m.upstream());
            Rate p = sluiceThroughput(pg);
            plain.add(p.spanPerSecond());
            System.out.printf(
                    "(c) round %d: mapped literal %.0f /s, mapped upstream %.0f /s, plain %.0f /s; ratios to plain %.2f / %.2f%n",
                    i,
                    m.literal(),
                    m.upstream(),
                    p.spanPerSecond(),
                    m.literal() / p.spanPerSecond(),
                    m.upstream() / p.spanPerSecond());
        }
        System.out.printf(
                "(c) %d rounds, medians (first start -> last end): mapped literal %.0f tasks/s %s, mapped upstream %.0f tasks/s %s, plain (b) %.0f tasks/s %s; ratio mapped / plain %.2f (literal), %.2f (upstream)%n",
                rounds,
                median(literal),
                rounded(literal),
                median(upstream),
                rounded(upstream),
                median(plain),
                rounded(plain),
                median(literal) / median(plain),
                median(upstream) / median(plain));
    }

    static List<String> rounded(List<Double> xs) {
        return xs.stream().map(x -> String.format("%.0f", x)).toList();
    }

    static MappedRates mapping(int n) throws Exception {
        double[] rates = new double[2];
        try (Database db = TestDatabase.fresh(32)) {
            int slots = Integer.getInteger("slots", 512);
            Engine engine = engine(db, slots);
            unlimitedPool(db);
            List<Object> items = new ArrayList<>(n);
            for (int i = 0; i < n; i++) items.add(i);
            var types = TaskTypeRegistry.discover();
            Dag literal = dev.sluice.dag.DagBuilder.dag("map_literal")
                    .maxActiveTasks(100_000)
                    .task("each", "noop", t -> t.expand("n", items))
                    .task("reduce", "noop", t -> t.dependsOn("each"))
                    .build(types);
            Dag upstream = dev.sluice.dag.DagBuilder.dag("map_upstream")
                    .maxActiveTasks(100_000)
                    .task("list", "noop", t -> t.config("output", Map.of("files", items)))
                    .task("each", "noop", t -> t.dependsOn("list").expand("n", "{{ tasks.list.output.files }}"))
                    .task("reduce", "noop", t -> t.dependsOn("each"))
                    .build(types);
            engine.dags().save(literal, "map_literal.yaml", null);
            engine.dags().save(upstream, "map_upstream.yaml", null);
            // warm-up: JIT and connection pool, a tenth of the size
            Dag warm = dev.sluice.dag.DagBuilder.dag("map_warm")
                    .maxActiveTasks(100_000)
                    .task("each", "noop", t -> t.expand("n", items.subList(0, n / 10)))
                    .build(types);
            engine.dags().save(warm, "map_warm.yaml", null);
            waitAll(db, engine.runs().createRuns(requests("map_warm", 1, Instant.parse("2020-01-01T00:00:00Z"))));

            for (String dagId : List.of("map_literal", "map_upstream")) {
                int which = dagId.equals("map_literal") ? 0 : 1;
                Instant t0 = Instant.now();
                long run = engine.runs()
                        .createRun(
                                dagId, "manual", Instant.parse("2026-01-01T00:00:00Z"), null, null, Map.of(), "bench");
                Instant created = Instant.now();
                waitAll(db, List.of(run));
                Instant t1 = Instant.now();
                var each = db.dsl()
                        .fetchOne(
                                "select min(started_at), max(ended_at), count(*) from task_instance"
                                        + " where run_id = ? and task_id = 'each'",
                                run);
                Duration work = Duration.between(each.get(0, OffsetDateTime.class), each.get(1, OffsetDateTime.class));
                Double reduceLag = db.dsl()
                        .fetchOne(
                                "select extract(epoch from (r.started_at - (select max(ended_at) from task_instance"
                                        + " where run_id = r.run_id and task_id = 'each'))) * 1000"
                                        + " from task_instance r where r.run_id = ? and r.task_id = 'reduce'",
                                run)
                        .get(0, Double.class);
                String expansion;
                if (dagId.equals("map_literal")) {
                    expansion = String.format(
                            "run created with its %,d instances in %d ms",
                            n, Duration.between(t0, created).toMillis());
                } else {
                    // Attempt times come from the claim's and completion's clocks, not the expansion's: what the
                    // run spent outside its instances (the list task, its expansion, the reduce) bounds it.
                    expansion = String.format(
                            "end to end less the instances' span (list task, expansion of %,d, reduce) %d ms",
                            n, Duration.between(t0, t1).toMillis() - work.toMillis());
                }
                System.out.printf(
                        "(c) %s: %s; %,d instances first start -> last end %d ms (%.0f tasks/s); last instance end -> reduce start %.1f ms; end to end %d ms%n",
                        dagId,
                        expansion,
                        each.get(2, Long.class),
                        work.toMillis(),
                        each.get(2, Long.class) * 1000.0 / Math.max(1, work.toMillis()),
                        reduceLag,
                        Duration.between(t0, t1).toMillis());
                rates[which] = each.get(2, Long.class) * 1000.0 / Math.max(1, work.toMillis());
            }
            engine.close();
            TestDatabase.drop(db);
        }
        return new MappedRates(rates[0], rates[1]);
    }

    /** One side's figures for one round. */
    record Rate(double perSecond, double jvmMsPerTask, double pgMsPerTask, double spanPerSecond) {
        /** For a side whose first start and last end are not recorded: only end to end. */
        Rate(double perSecond, double jvmMsPerTask, double pgMsPerTask) {
            this(perSecond, jvmMsPerTask, pgMsPerTask, perSecond);
        }
    }

    static void compare(ProcessCpu pg, int rounds, boolean withDbScheduler) throws Exception {
        List<Double> sluice = new ArrayList<>(), other = new ArrayList<>(), ratios = new ArrayList<>();
        for (int i = 1; i <= rounds; i++) {
            Rate s = sluiceThroughput(pg);
            sluice.add(s.perSecond());
            report("Sluice      ", i, s);
            if (!withDbScheduler) continue;
            Rate d = dbSchedulerThroughput(pg);
            other.add(d.perSecond());
            report("db-scheduler", i, d);
            ratios.add(s.perSecond() / d.perSecond());
            System.out.printf("    round %d ratio Sluice / db-scheduler: %.2f%n", i, s.perSecond() / d.perSecond());
        }
        System.out.printf(
                "(b) %d rounds: Sluice median %.0f tasks/s, db-scheduler median %s jobs/s, ratio of medians %s, per-round ratios %s%n",
                rounds,
                median(sluice),
                other.isEmpty() ? "-" : String.format("%.0f", median(other)),
                other.isEmpty() ? "-" : String.format("%.2f", median(sluice) / median(other)),
                ratios.stream().map(r -> String.format("%.2f", r)).toList());
    }

    static void report(String who, int round, Rate r) {
        System.out.printf(
                "(b) round %d %s %,.0f /s; CPU per task: JVM %.3f ms, PostgreSQL %.3f ms%n",
                round, who, r.perSecond(), r.jvmMsPerTask(), r.pgMsPerTask());
    }

    static Rate sluiceThroughput(ProcessCpu pg) throws Exception {
        try (Database db = TestDatabase.fresh(32)) {
            int slots = Integer.getInteger("slots", 512);
            Engine engine = engine(db, slots);
            List<TaskDef> tasks = new ArrayList<>();
            for (int i = 0; i < 1000; i++) tasks.add(TestDags.task("n" + i, "noop", List.of(), Map.of()));
            engine.dags().save(unlimited(TestDags.dag("wide", 100, tasks)), "wide.yaml", null);
            unlimitedPool(db);
            waitAll(db, engine.runs().createRuns(requests("wide", 2, Instant.parse("2020-01-01T00:00:00Z"))));
            db.dsl().execute("delete from dag_run");

            boolean pgss = Boolean.getBoolean("sluice.test.pgss");
            if (pgss) {
                db.dsl().execute("create extension if not exists pg_stat_statements");
                db.dsl().execute("select pg_stat_statements_reset()");
            }
            double jvm0 = ProcessCpu.jvmSeconds(), pg0 = pg.postgresSeconds();
            Instant t0 = Instant.now();
            List<Long> runs = engine.runs().createRuns(requests("wide", 20, Instant.parse("2026-01-01T00:00:00Z")));
            Instant created = Instant.now();
            waitAll(db, runs);
            Instant t1 = Instant.now();
            double jvm = ProcessCpu.jvmSeconds() - jvm0, pgs = pg.postgresSeconds() - pg0;
            var span = db.dsl().fetchOne("select min(started_at), max(ended_at), count(*) from attempt");
            Duration work = Duration.between(span.get(0, OffsetDateTime.class), span.get(1, OffsetDateTime.class));
            long n = span.get(2, Long.class);
            double rate = n * 1000.0 / Duration.between(t0, t1).toMillis();
            System.out.printf(
                    "    Sluice: %d tasks (20 runs x 1,000), %d slots; creating the runs %d ms; first claim -> last completion %d ms (%.0f tasks/s); end to end %d ms%n",
                    n,
                    slots,
                    Duration.between(t0, created).toMillis(),
                    work.toMillis(),
                    n * 1000.0 / work.toMillis(),
                    Duration.between(t0, t1).toMillis());
            engine.close();
            if (pgss) printStatements(db);
            TestDatabase.drop(db);
            return new Rate(rate, jvm * 1000 / n, pgs * 1000 / n, n * 1000.0 / Math.max(1, work.toMillis()));
        }
    }

    /** Where PostgreSQL spent its time, by statement (nested statements of triggers included). */
    static void printStatements(Database db) {
        System.out.println(
                "    PostgreSQL time by statement (pg_stat_statements, this database; executing, then planning):");
        db.dsl()
                .fetch("""
                select calls, round(total_exec_time) as ms, rows,
                       regexp_replace(left(query, 110), '\\s+', ' ', 'g') as q, round(total_plan_time) as plan,
                       plans
                from pg_stat_statements
                where dbid = (select oid from pg_database where datname = current_database())
                order by total_exec_time desc limit 14""")
                .forEach(r -> System.out.printf(
                        "      %7d calls %7d ms %8d rows %6d plans %5d ms  %s%n",
                        r.get(0, Long.class),
                        r.get(1, Long.class),
                        r.get(2, Long.class),
                        r.get(5, Long.class),
                        r.get(4, Long.class),
                        r.get(3, String.class)));
    }

    /**
     * db-scheduler's table for PostgreSQL, as its documentation gives it (priority column included: version 15 and
     * later read it).
     */
    static final String DB_SCHEDULER_TABLE = """
            create table scheduled_tasks (
              task_name text not null,
              task_instance text not null,
              task_data bytea,
              execution_time timestamp with time zone not null,
              picked boolean not null,
              picked_by text,
              last_success timestamp with time zone,
              last_failure timestamp with time zone,
              consecutive_failures int,
              last_heartbeat timestamp with time zone,
              version bigint not null,
              priority smallint,
              primary key (task_name, task_instance)
            );
            create index execution_time_idx on scheduled_tasks (execution_time);
            create index last_heartbeat_idx on scheduled_tasks (last_heartbeat);
            create index priority_execution_time_idx on scheduled_tasks (priority desc, execution_time asc);
            """;

    static Rate dbSchedulerThroughput(ProcessCpu pg) throws Exception {
        try (Database db = TestDatabase.fresh(32)) {
            db.dsl().execute(DB_SCHEDULER_TABLE);
            OneTimeTask<Void> noop = Tasks.oneTime("noop").execute((inst, ctx) -> {});
            int threads = Integer.getInteger("dbs.threads", 20);
            double lower = Double.parseDouble(System.getProperty("dbs.lower", "4.0"));
            double upper = Double.parseDouble(System.getProperty("dbs.upper", "20.0"));
            Scheduler scheduler = Scheduler.create(db.dataSource(), noop)
                    .threads(threads)
                    .pollUsingLockAndFetch(lower, upper)
                    .enableImmediateExecution()
                    .pollingInterval(Duration.ofMillis(50))
                    .build();
            scheduler.start();
            // warm-up, as Sluice gets one
            runDbScheduler(db, scheduler, noop, "warm", 2_000);

            double jvm0 = ProcessCpu.jvmSeconds(), pg0 = pg.postgresSeconds();
            Instant t0 = Instant.now();
            runDbScheduler(db, scheduler, noop, "x", TASKS);
            Instant t1 = Instant.now();
            double jvm = ProcessCpu.jvmSeconds() - jvm0, pgs = pg.postgresSeconds() - pg0;
            System.out.printf(
                    "    db-scheduler: %d one-time executions, %d threads, lock-and-fetch %.1f/%.1f, immediate execution; end to end %d ms%n",
                    TASKS, threads, lower, upper, Duration.between(t0, t1).toMillis());
            scheduler.stop();
            TestDatabase.drop(db);
            return new Rate(
                    TASKS * 1000.0 / Duration.between(t0, t1).toMillis(), jvm * 1000 / TASKS, pgs * 1000 / TASKS);
        }
    }

    /** Schedules {@code n} executions due now in batches (its bulk API) and waits until all have run and been removed. */
    static void runDbScheduler(Database db, Scheduler scheduler, OneTimeTask<Void> task, String prefix, int n)
            throws InterruptedException {
        List<TaskInstance<?>> batch = new ArrayList<>(n);
        for (int i = 0; i < n; i++) batch.add(task.instance(prefix + i));
        scheduler.scheduleBatch(batch, Instant.now());
        scheduler.triggerCheckForDueExecutions();
        untilNone(db, "select count(*) from scheduled_tasks");
    }

    static Dag unlimited(Dag d) {
        return d.withMaxActiveTasks(100_000);
    }

    static void unlimitedPool(Database db) {
        db.dsl().execute("update pool set slots = 100000 where name = 'default'");
    }

    /** Waits until none of the runs is queued or running (polled every 10 ms, one cheap constant statement). */
    static void waitAll(Database db, List<Long> runs) throws InterruptedException {
        String ids = runs.stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(","));
        String sql = "select count(*) from dag_run where id = any('{" + ids
                + "}'::int8[]) and state in ('queued', 'running')";
        untilNone(db, sql);
    }

    /** Polls the count every 10 ms (first at once) until it is 0: the end is known within 10 ms of happening. */
    static void untilNone(Database db, String countSql) {
        org.awaitility.Awaitility.await()
                .pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(10))
                .atMost(Duration.ofMinutes(30))
                .until(() -> db.dsl().fetchOne(countSql).get(0, Long.class) == 0);
    }

    static double median(List<Double> xs) {
        return pct(xs, 50);
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
