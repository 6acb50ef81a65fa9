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
        return EngineConfig.defaults(home).withHeartbeat(Duration.ofMillis(200)).withPollInterval(Duration.ofMillis(200))
                .withDrainTimeout(Duration.ofSeconds(2));
    }

    public Engine engine(EngineConfig config, Clock clock) {
        Engine e = new Engine(db, types, config, clock, new Services()).start();
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
        return RunState.fromDb(db.dsl().select(DAG_RUN.STATE).from(DAG_RUN).where(DAG_RUN.ID.eq(runKey)).fetchOne().value1());
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
        db.dsl().select(TASK_INSTANCE.TASK_ID, TASK_INSTANCE.STATE).from(TASK_INSTANCE)
                .where(TASK_INSTANCE.RUN_ID.eq(runKey))
                .forEach(r -> out.put(r.value1(), TaskState.fromDb(r.value2())));
        return out;
    }

    public List<String> attemptStates(long runKey, String taskId) {
        return db.dsl().select(ATTEMPT.STATE).from(ATTEMPT).join(TASK_INSTANCE).on(TASK_INSTANCE.ID.eq(ATTEMPT.TASK_INSTANCE_ID))
                .where(TASK_INSTANCE.RUN_ID.eq(runKey), TASK_INSTANCE.TASK_ID.eq(taskId))
                .orderBy(ATTEMPT.TRY_NUMBER).fetch(ATTEMPT.STATE);
    }

    @Override
    public void close() {
        for (Engine e : engines) e.close();
        db.close();
    }
}
