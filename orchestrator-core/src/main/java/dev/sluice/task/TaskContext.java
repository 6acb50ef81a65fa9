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

    /**
     * The attempt's log as bytes, for a process's output: the same log as {@link #log()}, under the same size cap
     * ({@code SLUICE_LOG_MAX_BYTES}). Writes never block on a full log: past the cap they are dropped. The caller
     * closes what it got, which does not close the attempt's log; this default (for contexts outside the engine)
     * appends to {@link #logFile()} uncapped.
     */
    default java.io.OutputStream logStream() throws java.io.IOException {
        java.nio.file.Files.createDirectories(logFile().getParent());
        java.io.OutputStream file = java.nio.file.Files.newOutputStream(
                logFile(), java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        return new java.io.FilterOutputStream(file) {
            @Override
            public void write(byte[] b, int off, int len) throws java.io.IOException {
                out.write(b, off, len);
            }
        };
    }

    /**
     * The DAG's directory, the working directory for relative paths: the files stored with the run's DAG version,
     * materialized on this node, or (for a version stored before DAG bundles) the DAG file's folder on this node.
     */
    Path dagDirectory();

    /** The folder of the DAG file on this node, which a remote worker may not have; see {@link #resolveDagPath}. */
    default Path dagSourceDirectory() {
        return dagDirectory();
    }

    /**
     * A path from a task's config: absolute as it is; relative inside {@link #dagDirectory()}; one that leaves it
     * ({@code ../data/x.csv}) names something the DAG's stored files cannot hold, so it resolves against the DAG
     * file's folder on this node, as before DAG bundles (data beside the DAG folder must be on each node).
     */
    default Path resolveDagPath(String path) {
        Path p = Path.of(path);
        Path dir = dagDirectory();
        if (p.isAbsolute() || dir == null) return p;
        Path inside = dir.resolve(p).normalize();
        if (inside.startsWith(dir.normalize()) || dagSourceDirectory() == null) return inside;
        return dagSourceDirectory().resolve(p).normalize();
    }

    /** {@code SLUICE_HOME}: where artifacts and logs live. */
    Path home();

    Clock clock();

    /** True once the attempt has been cancelled or has timed out; long loops should check it. */
    boolean isCancelled();

    /** Shared services the engine offers to task types (e.g. {@code javax.sql.DataSource}). */
    <T> Optional<T> service(Class<T> type);

    /** The attempt's database id, for lineage records. */
    long attemptKey();

    /**
     * When the current rescheduled wait began: the time of its first check, kept by the engine once an attempt
     * ended with {@link TaskRescheduleException}; null on a wait's first check (and for every other task). A new
     * try (a retry after failure, a clear) starts a new wait.
     */
    default Instant firstCheckAt() {
        return null;
    }

    /** How many earlier checks of this task instance ended rescheduled, over all its tries. */
    default int rescheduleCount() {
        return 0;
    }
}
