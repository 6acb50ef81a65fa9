package dev.sluice.task.process;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What one attempt runs: the command line (no shell in between unless it is the command), its working directory,
 * the task's own environment variables and its secret grants (env name → secret name).
 */
public record TaskCommand(
        List<String> argv, Path workingDirectory, Map<String, String> env, Map<String, String> secrets) {
    public TaskCommand {
        argv = List.copyOf(argv);
        env = env == null ? Map.of() : Map.copyOf(env);
        secrets = secrets == null ? Map.of() : Map.copyOf(secrets);
    }
}
