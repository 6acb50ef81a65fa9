package dev.sluice.ml;

import dev.sluice.store.RunHistoryRepository;
import dev.sluice.task.RunHistory;
import dev.sluice.task.TaskContext;
import dev.sluice.task.TaskServiceProvider;
import dev.sluice.task.TaskServices;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/** A TaskContext for calling task types directly, as the engine would, without the engine. */
public final class TestTaskContext implements TaskContext {
    private static final AtomicLong ATTEMPTS = new AtomicLong(1000);
    private final String taskId;
    private final Map<String, Object> config;
    private final Map<String, Map<String, Object>> upstream;
    private final Path home;
    private final Path dagDir;
    private final Map<Class<?>, Object> services;
    private final Instant logicalDate;
    private final long attemptKey = ATTEMPTS.incrementAndGet();
    private final StringWriter logText = new StringWriter();
    private final PrintWriter log = new PrintWriter(logText, true);

    private TestTaskContext(Builder b) {
        this.taskId = b.taskId;
        this.config = b.config;
        this.upstream = b.upstream;
        this.home = b.home;
        this.dagDir = b.dagDir;
        this.services = b.services;
        this.logicalDate = b.logicalDate;
    }

    public static Builder task(String taskId) {
        return new Builder(taskId);
    }

    public String logText() {
        return logText.toString();
    }

    public static final class Builder {
        private final String taskId;
        private final Map<String, Object> config = new LinkedHashMap<>();
        private final Map<String, Map<String, Object>> upstream = new LinkedHashMap<>();
        private Path home;
        private Path dagDir;
        private final Map<Class<?>, Object> services = new HashMap<>();
        private Instant logicalDate = Instant.parse("2026-11-26T00:00:00Z");

        private Builder(String taskId) {
            this.taskId = taskId;
        }

        public Builder config(String key, Object value) {
            config.put(key, value);
            return this;
        }

        public Builder upstream(String taskId, Map<String, Object> output) {
            upstream.put(taskId, output);
            return this;
        }

        public Builder home(Path home) {
            this.home = home;
            return this;
        }

        public Builder dagDirectory(Path dir) {
            this.dagDir = dir;
            return this;
        }

        public <T> Builder service(Class<T> type, T value) {
            if (value != null) services.put(type, value);
            return this;
        }

        public Builder logicalDate(Instant date) {
            this.logicalDate = date;
            return this;
        }

        /** With the engine's run history and the plugins' services (the registry...) on the given ones, as the engine offers them. */
        public TestTaskContext build() {
            if (services.get(javax.sql.DataSource.class) instanceof javax.sql.DataSource ds)
                services.putIfAbsent(
                        RunHistory.class,
                        new RunHistoryRepository(org.jooq.impl.DSL.using(ds, org.jooq.SQLDialect.POSTGRES)));
            TaskServiceProvider.provideAll(new TaskServices() {
                @Override
                public <T> Optional<T> get(Class<T> type) {
                    return Optional.ofNullable(type.cast(services.get(type)));
                }

                @Override
                public <T> TaskServices put(Class<T> type, T value) {
                    services.putIfAbsent(type, value);
                    return this;
                }
            });
            return new TestTaskContext(this);
        }
    }

    @Override
    public String dagId() {
        return "test_dag";
    }

    @Override
    public String runId() {
        return "test__" + logicalDate;
    }

    @Override
    public long runKey() {
        return 1;
    }

    @Override
    public String taskId() {
        return taskId;
    }

    @Override
    public int attempt() {
        return 1;
    }

    @Override
    public Instant logicalDate() {
        return logicalDate;
    }

    @Override
    public Map<String, Object> params() {
        return Map.of();
    }

    @Override
    public Map<String, Object> config() {
        return config;
    }

    @Override
    public Map<String, Map<String, Object>> upstreamOutputs() {
        return upstream;
    }

    @Override
    public PrintWriter log() {
        return log;
    }

    @Override
    public Path logFile() {
        return home.resolve("logs").resolve(taskId + ".log");
    }

    @Override
    public Path dagDirectory() {
        return dagDir;
    }

    @Override
    public Path home() {
        return home;
    }

    @Override
    public Clock clock() {
        return Clock.fixed(logicalDate, ZoneOffset.UTC);
    }

    @Override
    public boolean isCancelled() {
        return false;
    }

    @Override
    public long attemptKey() {
        return attemptKey;
    }

    @Override
    public <T> Optional<T> service(Class<T> type) {
        return Optional.ofNullable(type.cast(services.get(type)));
    }
}
