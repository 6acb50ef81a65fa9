package dev.sluice.task.builtin;

import dev.sluice.task.ConfigField;
import dev.sluice.task.FieldType;
import dev.sluice.task.TaskContext;
import dev.sluice.task.TaskFailedException;
import dev.sluice.task.TaskResult;
import dev.sluice.task.TaskType;
import dev.sluice.task.process.ProcessLauncher;
import dev.sluice.task.process.ProcessOutcome;
import dev.sluice.task.process.TaskCommand;
import dev.sluice.task.process.TaskEnvironment;
import dev.sluice.template.CodeLanguage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs a bash command. {@code command} is shell code: values its templates print are quoted for bash (see
 * {@link CodeLanguage#SHELL}). The process gets a clean environment, the run's params as
 * {@code SLUICE_PARAM_<NAME>} and the secrets the task is granted ({@link TaskEnvironment}); stdout and stderr go
 * to the attempt's log; JSON written to the file named by {@code $SLUICE_OUTPUT} becomes the task's output; the exit
 * code decides success. The command's whole process group ends with it, on timeout and on cancel
 * ({@link dev.sluice.task.process.TaskProcess}).
 */
public final class ShellTask implements TaskType {

    @Override
    public String name() {
        return "shell";
    }

    @Override
    public String description() {
        return "Runs a bash command; exit code 0 is success";
    }

    @Override
    public List<ConfigField> configFields() {
        return List.of(
                ConfigField.required(
                                "command",
                                FieldType.STRING,
                                "bash command line; values printed by templates are shell-quoted ({{ x | raw }} prints code)")
                        .code(CodeLanguage.SHELL),
                ConfigField.optional("env", FieldType.MAP, Map.of(), "extra environment variables"),
                ConfigField.optional(
                        "secrets",
                        FieldType.MAP,
                        Map.of(),
                        "environment variables granted a secret: NAME: secret_name reads SLUICE_SECRET_secret_name"),
                ConfigField.optional(
                        "cwd", FieldType.STRING, null, "working directory, relative to the DAG file's folder"));
    }

    @Override
    public List<String> validate(Map<String, Object> config) {
        List<String> problems = new ArrayList<>();
        if (config.get("env") instanceof Map<?, ?> env) {
            for (Object name : env.keySet()) {
                if (!TaskEnvironment.validName(String.valueOf(name))) {
                    problems.add("env: '" + name + "' is not a valid environment variable name");
                }
            }
        }
        if (config.get("secrets") instanceof Map<?, ?> grants) {
            for (Map.Entry<?, ?> g : grants.entrySet()) {
                String name = String.valueOf(g.getKey());
                if (!TaskEnvironment.validName(name)) {
                    problems.add("secrets: '" + name + "' is not a valid environment variable name");
                } else if (name.startsWith("SLUICE_")) {
                    problems.add("secrets: '" + name + "': names starting with SLUICE_ are Sluice's own");
                }
                if (!(g.getValue() instanceof String secret) || !TaskEnvironment.validName(secret)) {
                    problems.add(
                            "secrets." + name + ": expected a secret name (letters, digits, _), got " + g.getValue());
                }
                if (config.get("env") instanceof Map<?, ?> env && env.containsKey(name)) {
                    problems.add("secrets." + name + ": also set in env; set it in one place");
                }
            }
        }
        return problems;
    }

    @Override
    public TaskResult execute(TaskContext ctx) throws Exception {
        Path cwd = ctx.dagDirectory();
        if (ctx.config().get("cwd") instanceof String dir) cwd = ctx.resolveDagPath(dir);
        TaskCommand command = new TaskCommand(
                List.of("bash", "-c", (String) ctx.config().get("command")),
                cwd,
                ProcessOutcome.strings(ctx.config().get("env")),
                ProcessOutcome.strings(ctx.config().get("secrets")));
        ProcessOutcome outcome = ProcessLauncher.of(ctx).run(ctx, command);
        if (outcome.exitCode() != 0) {
            throw new TaskFailedException(
                    "exit code " + outcome.exitCode() + ProcessOutcome.lastLines(ctx.logFile(), 5), outcome.exitCode());
        }
        return TaskResult.of(outcome.output());
    }
}
