package dev.sluice.task.builtin;

import dev.sluice.task.ConfigField;
import dev.sluice.task.FieldType;
import dev.sluice.task.TaskContext;
import dev.sluice.task.TaskFailedException;
import dev.sluice.task.TaskResult;
import dev.sluice.task.TaskType;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;

/**
 * Runs a bash command. stdout and stderr go to the attempt's log; JSON written to the file named by
 * {@code $SLUICE_OUTPUT} becomes the task's output; the exit code decides success. A timeout or cancel kills the
 * whole process tree, not just bash, so a {@code sleep} in a pipeline does not outlive its task.
 */
public final class ShellTask implements TaskType {
    private static final ObjectMapper JSON = new ObjectMapper();

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
                ConfigField.required("command", FieldType.STRING, "bash command line; templates allowed"),
                ConfigField.optional("env", FieldType.MAP, Map.of(), "extra environment variables"),
                ConfigField.optional("cwd", FieldType.STRING, null, "working directory, relative to the DAG file's folder"));
    }

    @Override
    @SuppressWarnings("unchecked")
    public TaskResult execute(TaskContext ctx) throws Exception {
        Path log = ctx.logFile();
        Files.createDirectories(log.getParent());
        Path output = Files.createTempFile("sluice-output-", ".json");
        Path cwd = ctx.dagDirectory();
        if (ctx.config().get("cwd") instanceof String dir) cwd = cwd.resolve(dir);
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", (String) ctx.config().get("command"))
                .directory(cwd.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Map<String, String> env = pb.environment();
        env.put("SLUICE_OUTPUT", output.toString());
        env.put("SLUICE_DAG_ID", ctx.dagId());
        env.put("SLUICE_RUN_ID", ctx.runId());
        env.put("SLUICE_TASK_ID", ctx.taskId());
        env.put("SLUICE_ATTEMPT", String.valueOf(ctx.attempt()));
        env.put("SLUICE_LOGICAL_DATE", ctx.logicalDate().toString());
        ((Map<String, Object>) ctx.config().getOrDefault("env", Map.of())).forEach((k, v) -> env.put(k, String.valueOf(v)));
        Process p = pb.start();
        try {
            int exit = p.waitFor();
            if (exit != 0) {
                throw new TaskFailedException("exit code " + exit + lastLines(log, 5), exit);
            }
            return TaskResult.of(readOutput(output));
        } catch (InterruptedException e) {
            killTree(p);
            throw e;
        } finally {
            if (p.isAlive()) killTree(p);
            Files.deleteIfExists(output);
        }
    }

    private static Map<String, Object> readOutput(Path output) throws TaskFailedException, IOException {
        if (Files.size(output) == 0) return Map.of();
        try {
            Object v = JSON.readValue(output.toFile(), Object.class);
            if (v instanceof Map<?, ?> m) {
                @SuppressWarnings("unchecked") Map<String, Object> map = (Map<String, Object>) m;
                return map;
            }
            throw new TaskFailedException("$SLUICE_OUTPUT must hold a JSON object, got " + v.getClass().getSimpleName());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new TaskFailedException("$SLUICE_OUTPUT is not valid JSON: " + e.getOriginalMessage());
        }
    }

    /** Children first, so none is re-parented to init and survives. */
    static void killTree(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        p.descendants().forEach(ProcessHandle::destroyForcibly);
    }

    private static String lastLines(Path log, int n) {
        try {
            Deque<String> tail = new ArrayDeque<>();
            try (var lines = Files.lines(log)) {
                lines.forEach(l -> {
                    tail.addLast(l);
                    if (tail.size() > n) tail.removeFirst();
                });
            }
            return tail.isEmpty() ? "" : "; last output:\n" + String.join("\n", tail);
        } catch (Exception e) {
            return "";
        }
    }
}
