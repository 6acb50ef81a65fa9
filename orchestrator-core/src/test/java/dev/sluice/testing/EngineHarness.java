package dev.sluice.testing;

import static dev.sluice.db.jooq.Tables.ATTEMPT;
import static dev.sluice.db.jooq.Tables.DAG_RUN;
import static dev.sluice.db.jooq.Tables.TASK_INSTANCE;

import dev.sluice.dag.Dag;
import dev.sluice.engine.Engine;
import dev.sluice.engine.EngineConfig;
import dev.sluice.engine.Services;
import dev.sluice.run.RunState;
import dev.sluice.run.TaskState;
import dev.sluice.store.Database;
import dev.sluice.task.TaskTypeRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** A database, a registry with the built-in and test task types, and engines on them; closes everything. */
public final class EngineHarness implements AutoCloseable {
    private static final AtomicLong DATES = new AtomicLong();

    public final Database db;
    public final TaskTypeRegistry types;
    public final Path home;
    private final List<Engine> engines = new java.util.ArrayList<>();

    public EngineHarness() throws Exception {
        this.db = TestDatabase.fresh(32);
        this.types = TaskTypeRegistry.discover().register(new ScriptedTask());
        this.home = Files.createTempDirectory("sluice-test-home");
    }

    public EngineConfig config() {
        // Tests close engines with tasks still running; the old 2 s grace keeps them quick.
        return EngineConfig.defaults(home)
                .withHeartbeat(Duration.ofMillis(200))
                .withPollInterval(Duration.ofMillis(200))
                .withDrainTimeout(Duration.ofSeconds(2));
    }

    public Engine engine(EngineConfig config, Clock clock) {
        return engine(config, clock, new Services());
    }

    /** An engine whose task types see {@code services} (an object store, say). */
    public Engine engine(EngineConfig config, Clock clock, Services services) {
        Engine e = new Engine(db, types, config, clock, services).start();
        engines.add(e);
        return e;
    }

    public Engine engine() {
        return engine(config(), Clock.systemUTC());
    }

    /** Parses {@code scenarios/NAME.yaml} from the test resources and stores it; returns the DAG id. */
    public String fixture(Engine e, String name) throws Exception {
        String file = "scenarios/" + name + ".yaml";
        try (var in = EngineHarness.class.getClassLoader().getResourceAsStream(file)) {
            if (in == null) throw new IllegalArgumentException("no fixture " + file);
            String source = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            Dag dag = new dev.sluice.dag.YamlDagParser(types).parse(source, file);
            e.dags().save(dag, home.resolve(name + ".yaml").toString(), source);
            return dag.id();
        }
    }

    public void save(Engine e, Dag dag) {
        e.dags().save(dag, home.resolve(dag.id() + ".yaml").toString(), null);
    }

    /** Triggers a manual run at a distinct logical date. */
    public long trigger(Engine e, String dagId, Map<String, Object> params) {
        Instant date = Instant.parse("2026-01-01T00:00:00Z").plusSeconds(DATES.incrementAndGet());
        return e.runs().createRun(dagId, "manual", date, null, null, params, "test");
    }

    public RunState runState(long runKey) {
        return RunState.fromDb(db.dsl()
                .select(DAG_RUN.STATE)
                .from(DAG_RUN)
                .where(DAG_RUN.ID.eq(runKey))
                .fetchOne()
                .value1());
    }

    public RunState awaitRun(long runKey, Duration max) throws InterruptedException {
        Instant deadline = Instant.now().plus(max);
        while (Instant.now().isBefore(deadline)) {
            RunState s = runState(runKey);
            if (s.isTerminal()) return s;
            Thread.sleep(20);
        }
        throw new AssertionError("run " + runKey + " did not finish within " + max + "; states: " + taskStates(runKey));
    }

    public Map<String, TaskState> taskStates(long runKey) {
        Map<String, TaskState> out = new HashMap<>();
        db.dsl()
                .select(TASK_INSTANCE.TASK_ID, TASK_INSTANCE.STATE)
                .from(TASK_INSTANCE)
                .where(TASK_INSTANCE.RUN_ID.eq(runKey))
                .forEach(r -> out.put(r.value1(), TaskState.fromDb(r.value2())));
        return out;
    }

    public List<String> attemptStates(long runKey, String taskId) {
        return db.dsl()
                .select(ATTEMPT.STATE)
                .from(ATTEMPT)
                .join(TASK_INSTANCE)
                .on(TASK_INSTANCE.ID.eq(ATTEMPT.TASK_INSTANCE_ID))
                .where(TASK_INSTANCE.RUN_ID.eq(runKey), TASK_INSTANCE.TASK_ID.eq(taskId))
                .orderBy(ATTEMPT.TRY_NUMBER)
                .fetch(ATTEMPT.STATE);
    }

    /** The log of the task's latest attempt ("" if it wrote none). */
    public String log(long runKey, String taskId) throws java.io.IOException {
        Object path = db.dsl()
                .fetchValue(
                        "select a.log_path from attempt a join task_instance t on t.id = a.task_instance_id"
                                + " where t.run_id = ? and t.task_id = ? order by a.try_number desc limit 1",
                        runKey,
                        taskId);
        if (path == null) return "";
        Path file = Path.of(path.toString());
        return Files.exists(file) ? Files.readString(file) : "";
    }

    /** The error recorded on the task's latest attempt. */
    public String error(long runKey, String taskId) {
        Object e = db.dsl()
                .fetchValue(
                        "select a.error from attempt a join task_instance t on t.id = a.task_instance_id"
                                + " where t.run_id = ? and t.task_id = ? order by a.try_number desc limit 1",
                        runKey,
                        taskId);
        return e == null ? null : e.toString();
    }

    /**
     * Starts {@link WorkerMain} in a child JVM whose environment also holds {@code env}: a worker with a server's
     * environment, or one to kill with SIGKILL. Its output goes to {@code home/<workerId>.log}.
     */
    public Process childWorker(String workerId, Map<String, String> env) throws java.io.IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(
                        java,
                        "-cp",
                        System.getProperty("java.class.path"),
                        WorkerMain.class.getName(),
                        db.url(),
                        "postgres",
                        "",
                        home.toString(),
                        workerId)
                .redirectErrorStream(true)
                .redirectOutput(home.resolve(workerId + ".log").toFile());
        pb.environment().putAll(env);
        return pb.start();
    }

    @Override
    public void close() {
        for (Engine e : engines) e.close();
        db.close();
    }
}
