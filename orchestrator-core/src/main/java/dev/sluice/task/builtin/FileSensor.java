package dev.sluice.task.builtin;

import dev.sluice.task.ConfigField;
import dev.sluice.task.FieldType;
import dev.sluice.task.TaskContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Waits until at least one file on this node's file system matches {@code path}, a glob ({@code data/*.csv},
 * {@code in/**}{@code /_SUCCESS}); relative paths resolve in the DAG's directory as other built-in types' paths do.
 */
public final class FileSensor extends Sensor {
    static final int MAX_NAMES = 100;

    @Override
    public String name() {
        return "sensor.file";
    }

    @Override
    public String description() {
        return "Waits until a file matching a glob exists (local file system)";
    }

    @Override
    List<ConfigField> sensorFields() {
        return List.of(ConfigField.required(
                "path", FieldType.STRING, "a glob on this node's file system; relative to the DAG's directory"));
    }

    @Override
    List<String> validateSensor(Map<String, Object> config) {
        return config.get("path") instanceof String p && p.isBlank() ? List.of("path: must not be empty") : List.of();
    }

    @Override
    Poke poke(TaskContext ctx) throws IOException {
        String pattern = String.valueOf(ctx.config().get("path")).strip();
        Path glob = ctx.resolveDagPath(pattern);
        // Walk from the deepest folder without glob characters, only as deep as the pattern reaches (any depth
        // with **), so a pattern under a big tree does not read all of it at every poke.
        Path base = glob.getRoot() == null ? Path.of("") : glob.getRoot();
        int rest = 0;
        boolean wild = false;
        for (Path part : glob) {
            if (!wild && isGlob(part.toString())) wild = true;
            if (wild) rest++;
            else base = base.resolve(part);
        }
        if (!wild) {
            return Files.exists(glob)
                    ? new Poke(true, glob + " exists", Map.of("files", List.of(glob.toString())))
                    : Poke.no(glob + " does not exist");
        }
        if (!Files.isDirectory(base)) return Poke.no(base + " does not exist");
        PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + glob);
        int depth = glob.toString().contains("**") ? Integer.MAX_VALUE : rest;
        List<String> files;
        try (Stream<Path> walk = Files.walk(base, depth)) {
            files = walk.filter(matcher::matches)
                    .map(Path::toString)
                    .sorted()
                    .limit(MAX_NAMES)
                    .toList();
        } catch (UncheckedIOException e) {
            // a file vanished while walked: the next poke looks again
            return Poke.no(glob + ": " + e.getCause().getMessage());
        }
        if (files.isEmpty()) return Poke.no("no file matches " + glob);
        return new Poke(
                true,
                files.size() + (files.size() == MAX_NAMES ? "+" : "") + " files match " + glob,
                Map.of("files", files));
    }

    private static boolean isGlob(String part) {
        return part.chars().anyMatch(ch -> ch == '*' || ch == '?' || ch == '[' || ch == '{');
    }
}
