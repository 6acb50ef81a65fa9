package dev.sluice.engine;

import dev.sluice.store.TaskInstanceRepository.Claimed;
import dev.sluice.task.TaskContext;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/** The {@link TaskContext} of one attempt. The log file is created on first write: most no-op tasks never log. */
final class AttemptContext implements TaskContext {
    private final Claimed c;
    private final AttemptHandle handle;
    private final Map<String, Object> config;
    private final java.util.function.Supplier<Map<String, Map<String, Object>>> upstreamOutputs;
    private final Path logFile;
    private final Path dagDir;
    private final Path home;
    private final Clock clock;
    private final Services services;
    private final long attemptKey;
    private PrintWriter log;

    AttemptContext(Claimed c, AttemptHandle handle, Map<String, Object> config,
                   java.util.function.Supplier<Map<String, Map<String, Object>>> upstreamOutputs, Path logFile, Path dagDir, Path home,
                   Clock clock, Services services, long attemptKey) {
        this.c = c;
        this.handle = handle;
        this.config = config;
        this.upstreamOutputs = upstreamOutputs;
        this.logFile = logFile;
        this.dagDir = dagDir;
        this.home = home;
        this.clock = clock;
        this.services = services;
        this.attemptKey = attemptKey;
    }

    @Override public String dagId() { return c.dagId(); }
    @Override public String runId() { return c.runId(); }
    @Override public long runKey() { return c.runKey(); }
    @Override public String taskId() { return c.taskId(); }
    @Override public int attempt() { return c.tryNumber(); }
    @Override public Instant logicalDate() { return c.logicalDate(); }
    @Override public Map<String, Object> params() { return c.params(); }
    @Override public Map<String, Object> config() { return config; }
    @Override public Map<String, Map<String, Object>> upstreamOutputs() { return upstreamOutputs.get(); }
    @Override public Path logFile() { return logFile; }
    @Override public Path dagDirectory() { return dagDir; }
    @Override public Path home() { return home; }
    @Override public Clock clock() { return clock; }
    @Override public boolean isCancelled() { return handle.isStopped(); }
    @Override public long attemptKey() { return attemptKey; }

    @Override
    public <T> Optional<T> service(Class<T> type) {
        return services.get(type);
    }

    @Override
    public synchronized PrintWriter log() {
        if (log == null) log = new PrintWriter(new LazyFileWriter(logFile), true);
        return log;
    }

    synchronized void closeLog() {
        if (log != null) log.close();
    }

    /** Opens (and appends to) the file on the first write. */
    private static final class LazyFileWriter extends Writer {
        private final Path file;
        private Writer out;

        LazyFileWriter(Path file) {
            this.file = file;
        }

        private Writer out() throws IOException {
            if (out == null) {
                Files.createDirectories(file.getParent());
                out = Files.newBufferedWriter(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            }
            return out;
        }

        @Override
        public void write(char[] buf, int off, int len) throws IOException {
            out().write(buf, off, len);
        }

        @Override
        public void flush() throws IOException {
            if (out != null) out.flush();
        }

        @Override
        public void close() throws IOException {
            if (out != null) out.close();
        }
    }

}
