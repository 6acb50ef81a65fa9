package dev.sluice.task;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/** Everything one attempt of a task may use. Config values are already rendered from their templates. */
public interface TaskContext {
    String dagId();

    /** The run's human id, e.g. {@code manual__2026-11-26T10:00:00Z}. */
    String runId();

    /** The run's database id. */
    long runKey();

    String taskId();

    /** 1 for the first attempt. */
    int attempt();

    Instant logicalDate();

    Map<String, Object> params();

    /** Rendered config, with declared defaults filled in. */
    Map<String, Object> config();

    /** Outputs of this run's finished upstream tasks, by task id. */
    Map<String, Map<String, Object>> upstreamOutputs();

    /** The attempt's log. Lines written here are readable while the task runs. */
    PrintWriter log();

    Path logFile();

    /** Directory of the DAG file, the working directory for relative paths. */
    Path dagDirectory();

    /** {@code SLUICE_HOME}: where artifacts and logs live. */
    Path home();

    Clock clock();

    /** True once the attempt has been cancelled or has timed out; long loops should check it. */
    boolean isCancelled();

    /** Shared services the engine offers to task types (e.g. {@code javax.sql.DataSource}). */
    <T> Optional<T> service(Class<T> type);

    /** The attempt's database id, for lineage records. */
    long attemptKey();
}
