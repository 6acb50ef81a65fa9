package dev.sluice.ml.task;

import dev.sluice.task.TaskContext;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * A TaskContext that runs an action once, at the moment the task logs a line containing {@code marker}: e.g. a
 * producer that keeps writing once a streaming source has logged that its snapshot is taken, to prove that records
 * written after the snapshot are left for the next read.
 */
final class ActingOnLogLine implements TaskContext {
    interface Action {
        void run() throws Exception;
    }

    private final TaskContext inner;
    private final PrintWriter log;

    ActingOnLogLine(TaskContext inner, String marker, Action action) {
        this.inner = inner;
        this.log = new PrintWriter(
                new StringWriter() {
                    private boolean done;

                    @Override
                    public void write(String s, int off, int len) {
                        super.write(s, off, len);
                        if (!done && getBuffer().indexOf(marker) >= 0) {
                            done = true;
                            try {
                                action.run();
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                        }
                    }
                },
                true);
    }

    @Override
    public String dagId() {
        return inner.dagId();
    }

    @Override
    public String runId() {
        return inner.runId();
    }

    @Override
    public long runKey() {
        return inner.runKey();
    }

    @Override
    public String taskId() {
        return inner.taskId();
    }

    @Override
    public int attempt() {
        return inner.attempt();
    }

    @Override
    public Instant logicalDate() {
        return inner.logicalDate();
    }

    @Override
    public Map<String, Object> params() {
        return inner.params();
    }

    @Override
    public Map<String, Object> config() {
        return inner.config();
    }

    @Override
    public Map<String, Map<String, Object>> upstreamOutputs() {
        return inner.upstreamOutputs();
    }

    @Override
    public PrintWriter log() {
        return log;
    }

    @Override
    public Path logFile() {
        return inner.logFile();
    }

    @Override
    public Path dagDirectory() {
        return inner.dagDirectory();
    }

    @Override
    public Path home() {
        return inner.home();
    }

    @Override
    public Clock clock() {
        return inner.clock();
    }

    @Override
    public boolean isCancelled() {
        return inner.isCancelled();
    }

    @Override
    public long attemptKey() {
        return inner.attemptKey();
    }

    @Override
    public <T> Optional<T> service(Class<T> type) {
        return inner.service(type);
    }
}
