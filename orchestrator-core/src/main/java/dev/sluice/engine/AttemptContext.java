package dev.sluice.engine;

import dev.sluice.store.CappedLog;
import dev.sluice.store.TaskInstanceRepository.Claimed;
import dev.sluice.task.TaskContext;
import dev.sluice.template.Secrets;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The {@link TaskContext} of one attempt. The log file is created on first write: most no-op tasks never log. */
final class AttemptContext implements TaskContext {
    private final Claimed c;
    private final AttemptHandle handle;
    private final Map<String, Object> config;
    private final java.util.function.Supplier<Map<String, Map<String, Object>>> upstreamOutputs;
    private final Path logFile;
    private final Path dagDir;
    private final Path dagSourceDir;
    private final Path home;
    private final Clock clock;
    private final Services services;
    private final long attemptKey;
    private final Set<String> secrets;
    private final CappedLog sink;
    private PrintWriter log;
    /** When this attempt's task code was about to start: a rescheduled wait's first check time. */
    private final Instant startedAt;

    AttemptContext(
            Claimed c,
            AttemptHandle handle,
            Map<String, Object> config,
            java.util.function.Supplier<Map<String, Map<String, Object>>> upstreamOutputs,
            Path logFile,
            Path dagDir,
            Path dagSourceDir,
            Path home,
            Clock clock,
            Services services,
            long attemptKey,
            Set<String> secrets,
            CappedLog sink) {
        this.secrets = secrets;
        this.sink = sink;
        this.c = c;
        this.handle = handle;
        this.config = config;
        this.upstreamOutputs = upstreamOutputs;
        this.logFile = logFile;
        this.dagDir = dagDir;
        this.dagSourceDir = dagSourceDir;
        this.home = home;
        this.clock = clock;
        this.services = services;
        this.attemptKey = attemptKey;
        this.startedAt = clock.instant();
    }

    Instant startedAt() {
        return startedAt;
    }

    @Override
    public Instant firstCheckAt() {
        return c.firstCheckAt();
    }

    @Override
    public int rescheduleCount() {
        return c.rescheduleCount();
    }

    @Override
    public String dagId() {
        return c.dagId();
    }

    @Override
    public String runId() {
        return c.runId();
    }

    @Override
    public long runKey() {
        return c.runKey();
    }

    @Override
    public String taskId() {
        return c.taskId();
    }

    @Override
    public int attempt() {
        return c.tryNumber();
    }

    @Override
    public Instant logicalDate() {
        return c.logicalDate();
    }

    @Override
    public Map<String, Object> params() {
        return c.params();
    }

    @Override
    public Map<String, Object> config() {
        return config;
    }

    @Override
    public Map<String, Map<String, Object>> upstreamOutputs() {
        return upstreamOutputs.get();
    }

    @Override
    public Path logFile() {
        return logFile;
    }

    @Override
    public Path dagDirectory() {
        return dagDir;
    }

    @Override
    public Path dagSourceDirectory() {
        return dagSourceDir;
    }

    @Override
    public Path home() {
        return home;
    }

    @Override
    public Clock clock() {
        return clock;
    }

    @Override
    public boolean isCancelled() {
        return handle.isStopped();
    }

    @Override
    public long attemptKey() {
        return attemptKey;
    }

    @Override
    public <T> Optional<T> service(Class<T> type) {
        return services.get(type);
    }

    @Override
    public synchronized PrintWriter log() {
        if (log == null) {
            Writer file = new OutputStreamWriter(new Unclosable(sink), StandardCharsets.UTF_8);
            log = new PrintWriter(secrets.isEmpty() ? file : new MaskingWriter(file, secrets), true);
        }
        return log;
    }

    /** The secret values this attempt's templates read: masked in its log and its shown config. */
    Set<String> secrets() {
        return secrets;
    }

    @Override
    public OutputStream logStream() {
        return new Unclosable(sink);
    }

    /** Whether the log reached its size cap. */
    boolean logCut() {
        return sink.isCut();
    }

    synchronized void closeLog() {
        if (log != null) log.close();
        sink.close();
    }

    /** The shared capped log as handed out: closing a handle (a finished pump, a writer) leaves the log open. */
    private static final class Unclosable extends FilterOutputStream {
        Unclosable(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            out.flush();
        }
    }

    /**
     * Replaces the secret values the config's templates read with {@code ***} in what the task type logs (an HTTP
     * task logs its URL, which may carry a key). Masks within each write; a task printing a secret in pieces is on
     * its own, as is a child process writing to the log file directly.
     */
    private static final class MaskingWriter extends Writer {
        private final Writer out;
        private final Set<String> secrets;

        MaskingWriter(Writer out, Set<String> secrets) {
            this.out = out;
            this.secrets = secrets;
        }

        @Override
        public void write(char[] buf, int off, int len) throws IOException {
            out.write(Secrets.mask(new String(buf, off, len), secrets));
        }

        @Override
        public void write(String s, int off, int len) throws IOException {
            out.write(Secrets.mask(s.substring(off, off + len), secrets));
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        @Override
        public void close() throws IOException {
            out.close();
        }
    }
}
