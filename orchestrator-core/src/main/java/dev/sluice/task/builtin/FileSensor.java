package dev.sluice.task.builtin;

import dev.sluice.storage.ObjectInfo;
import dev.sluice.storage.ObjectStore;
import dev.sluice.task.ConfigField;
import dev.sluice.task.FieldType;
import dev.sluice.task.TaskContext;
import dev.sluice.task.TaskFailedException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Waits until at least one file on this node's file system matches {@code path}, a glob ({@code data/*.csv},
 * {@code in/**}{@code /_SUCCESS}); relative paths resolve in the DAG's directory as other built-in types' paths do.
 * A path under the configured object store's URL ({@code s3://bucket/prefix/landing/*.csv} with
 * {@code SLUICE_STORE_URL=s3://bucket/prefix}) waits for an object there instead, seen alike from every node.
 */
public final class FileSensor extends Sensor {
    static final int MAX_NAMES = 100;

    @Override
    public String name() {
        return "sensor.file";
    }

    @Override
    public String description() {
        return "Waits until a file matching a glob exists (local file system or the object store)";
    }

    @Override
    List<ConfigField> sensorFields() {
        return List.of(ConfigField.required(
                "path",
                FieldType.STRING,
                "a glob on this node's file system, relative to the DAG's directory; or under the object store's URL"));
    }

    @Override
    List<String> validateSensor(Map<String, Object> config) {
        return config.get("path") instanceof String p && p.isBlank() ? List.of("path: must not be empty") : List.of();
    }

    @Override
    Poke poke(TaskContext ctx) throws IOException, TaskFailedException {
        String pattern = String.valueOf(ctx.config().get("path")).strip();
        if (SCHEME.matcher(pattern).lookingAt()) return pokeStore(ctx, pattern);
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

    /** A URL's scheme ({@code s3://}, {@code file://}): the path names an object store, not a local file. */
    private static final Pattern SCHEME = Pattern.compile("[a-zA-Z][a-zA-Z0-9+.-]*://");

    /**
     * One look at the configured object store: the keys under the pattern's fixed part (up to its first glob
     * character, cut back to a '/'), matched against the glob. Only the store this node is configured with: its
     * credentials are the node's, and a sensor must not reach into buckets nobody configured.
     */
    private Poke pokeStore(TaskContext ctx, String pattern) throws IOException, TaskFailedException {
        ObjectStore store = ctx.service(ObjectStore.class)
                .orElseThrow(() -> new TaskFailedException("path: " + pattern
                        + " names an object store, but this node has none configured (SLUICE_STORE_URL)"));
        String base = store.url().endsWith("/") ? store.url() : store.url() + "/";
        if (!pattern.startsWith(base) || pattern.length() == base.length()) {
            throw new TaskFailedException("path: " + pattern + " is not under the configured object store " + base
                    + " (sensor.file waits on this node's file system or on SLUICE_STORE_URL)");
        }
        String keyGlob = pattern.substring(base.length());
        int wild = -1;
        for (int i = 0; i < keyGlob.length() && wild < 0; i++) if (isGlob(keyGlob.substring(i, i + 1))) wild = i;
        if (wild < 0) {
            return store.stat(keyGlob).isPresent()
                    ? new Poke(true, pattern + " exists", Map.of("files", List.of(pattern)))
                    : Poke.no(pattern + " does not exist");
        }
        String prefix = keyGlob.substring(0, keyGlob.lastIndexOf('/', wild) + 1);
        PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + keyGlob);
        List<String> files = store.list(prefix).stream()
                .map(ObjectInfo::key)
                .filter(k -> matcher.matches(Path.of(k)))
                .sorted()
                .limit(MAX_NAMES)
                .map(k -> base + k)
                .toList();
        if (files.isEmpty()) return Poke.no("no object matches " + pattern);
        return new Poke(
                true,
                files.size() + (files.size() == MAX_NAMES ? "+" : "") + " objects match " + pattern,
                Map.of("files", files));
    }

    private static boolean isGlob(String part) {
        return part.chars().anyMatch(ch -> ch == '*' || ch == '?' || ch == '[' || ch == '{');
    }
}
