package dev.sluice.testing;

import dev.sluice.engine.Engine;
import dev.sluice.engine.EngineConfig;
import dev.sluice.engine.Services;
import dev.sluice.store.Database;
import dev.sluice.task.TaskTypeRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/** An engine in its own JVM, for tests that kill a worker with SIGKILL. Args: jdbcUrl user password home workerId. */
public final class WorkerMain {
    public static void main(String[] args) throws Exception {
        Database db = Database.connect(args[0], args[1], args[2], 8);
        EngineConfig cfg = EngineConfig.defaults(Path.of(args[3]))
                .withHeartbeat(Duration.ofMillis(200))
                .withPollInterval(Duration.ofMillis(200))
                .withWorkerId(args[4]);
        new Engine(db, TaskTypeRegistry.discover().register(new ScriptedTask()), cfg, Clock.systemUTC(), new Services())
                .start();
        System.out.println("worker started");
        Thread.currentThread().join();
    }
}
