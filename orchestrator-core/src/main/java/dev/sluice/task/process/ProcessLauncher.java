package dev.sluice.task.process;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.config.SluiceConfig;
import dev.sluice.task.TaskContext;
import dev.sluice.task.TaskFailedException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Starts the processes of task types ({@code shell} now, any type that runs a program later): a clean
 * {@link TaskEnvironment}, a process group that dies with its task ({@link TaskProcess}), output to the attempt's
 * log, and the JSON the process writes to {@code $SLUICE_OUTPUT} as the task's output. One instance serves every
 * attempt; the engine offers it as a service ({@link #of}).
 */
public final class ProcessLauncher {
    /** How long a task's processes may take to exit after SIGTERM before they get SIGKILL. */
    public static final Duration DEFAULT_GRACE = Duration.ofSeconds(2);

    private static final ObjectMapper JSON = new ObjectMapper();

    private final TaskEnvironment environment;
    private final Duration grace;

    public ProcessLauncher(TaskEnvironment environment, Duration grace) {
        this.environment = environment;
        this.grace = grace;
    }

    public static ProcessLauncher of(SluiceConfig config) {
        return new ProcessLauncher(TaskEnvironment.of(config), DEFAULT_GRACE);
    }

    /** The launcher the engine offers, or one configured from this JVM's environment. */
    public static ProcessLauncher of(TaskContext ctx) {
        return ctx.service(ProcessLauncher.class)
                .orElseGet(() -> new ProcessLauncher(TaskEnvironment.fromEnvironment(), DEFAULT_GRACE));
    }

    public TaskEnvironment environment() {
        return environment;
    }

    /**
     * Runs {@code command} for the attempt and waits for it. An interrupt (timeout, cancel, shutdown) stops the
     * whole process group, waiting at most the grace, and is rethrown.
     *
     * @throws TaskFailedException if a granted secret is missing or {@code $SLUICE_OUTPUT} holds no JSON object
     */
    public ProcessOutcome run(TaskContext ctx, TaskCommand command)
            throws IOException, InterruptedException, TaskFailedException {
        Path output = Files.createTempFile("sluice-output-", ".json");
        try {
            Map<String, String> env = environment.forAttempt(ctx, command.env(), command.secrets(), output);
            try (TaskProcess process =
                    TaskProcess.start(command.argv(), command.workingDirectory(), env, ctx.logStream(), grace)) {
                int exit;
                try {
                    exit = process.waitFor();
                } catch (InterruptedException e) {
                    process.stop();
                    throw e;
                }
                return new ProcessOutcome(exit, readOutput(output));
            }
        } finally {
            Files.deleteIfExists(output);
        }
    }

    private static Map<String, Object> readOutput(Path output) throws TaskFailedException, IOException {
        if (Files.size(output) == 0) return Map.of();
        try {
            Object v = JSON.readValue(output.toFile(), Object.class);
            if (v instanceof Map<?, ?> m) {
                @SuppressWarnings("unchecked")
                Map<String, Object> map = (Map<String, Object>) m;
                return map;
            }
            throw new TaskFailedException("$SLUICE_OUTPUT must hold a JSON object, got "
                    + (v == null ? "null" : v.getClass().getSimpleName()));
        } catch (JsonProcessingException e) {
            throw new TaskFailedException("$SLUICE_OUTPUT is not valid JSON: " + e.getOriginalMessage());
        }
    }
}
