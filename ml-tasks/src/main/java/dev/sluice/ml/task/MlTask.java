package dev.sluice.ml.task;

import dev.sluice.ml.artifact.Artifact;
import dev.sluice.ml.artifact.ArtifactCatalog;
import dev.sluice.ml.artifact.ArtifactStore;
import dev.sluice.ml.artifact.LocalArtifactStore;
import dev.sluice.ml.data.DuckDb;
import dev.sluice.task.ConfigField;
import dev.sluice.task.FieldType;
import dev.sluice.task.TaskContext;
import dev.sluice.task.TaskFailedException;
import dev.sluice.task.TaskType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** What every ML task type shares: the artifact store, DuckDB settings and finding input artifacts. */
abstract class MlTask implements TaskType {
    static final ConfigField MEMORY_LIMIT = ConfigField.optional("memory_limit", FieldType.STRING, "1GB",
            "DuckDB memory limit; larger intermediate data spills to SLUICE_HOME/tmp/duckdb.");
    static final ConfigField THREADS = ConfigField.optional("threads", FieldType.INTEGER, 2,
            "Threads for DuckDB and training.");

    Cfg cfg(TaskContext ctx) {
        return new Cfg(ctx.config(), configFields());
    }

    ArtifactStore store(TaskContext ctx) {
        return ctx.service(ArtifactStore.class).orElseGet(() -> LocalArtifactStore.inHome(ctx.home()));
    }

    ArtifactCatalog catalog(TaskContext ctx) {
        return ArtifactCatalog.of(ctx);
    }

    DuckDb duck(TaskContext ctx, Cfg cfg) throws Exception {
        // One spill directory per attempt: concurrent attempts must not share (and clean up) each other's files.
        Path base = ctx.home().resolve("tmp").resolve("duckdb");
        Files.createDirectories(base);
        Path spill = Files.createTempDirectory(base, "attempt-" + ctx.attemptKey() + "-");
        return DuckDb.openOwning(spill, cfg.str("memory_limit", "1GB"), Math.toIntExact(cfg.has("threads") ? cfg.lng("threads") : 2));
    }

    /**
     * The artifact reference for input {@code key}: the config value when set (usually a template such as
     * {@code {{ tasks.split.output.train }}}), otherwise the one upstream output carrying that key.
     */
    String inputRef(TaskContext ctx, Cfg cfg, String key, boolean required) throws TaskFailedException {
        String ref;
        if (cfg.has(key)) {
            ref = cfg.str(key);
        } else {
            List<String> found = new ArrayList<>();
            for (Map.Entry<String, Map<String, Object>> e : ctx.upstreamOutputs().entrySet()) {
                Object v = e.getValue() == null ? null : e.getValue().get(key);
                if (v != null) found.add(e.getKey() + "=" + v);
            }
            if (found.isEmpty()) {
                if (!required) return null;
                throw new TaskFailedException("no input \"" + key + "\": set config " + key
                        + " or depend on a task whose output has \"" + key + "\"");
            }
            if (found.size() > 1) {
                throw new TaskFailedException("input \"" + key + "\" is ambiguous, several upstream tasks output it ("
                        + String.join(", ", found) + "): set config " + key);
            }
            ref = found.get(0).substring(found.get(0).indexOf('=') + 1);
        }
        try {
            Artifact.hashOf(ref);
        } catch (IllegalArgumentException e) {
            throw new TaskFailedException("config " + key + ": " + e.getMessage());
        }
        if (!store(ctx).contains(ref)) throw new TaskFailedException("input " + key + ": no artifact " + ref + " in the store");
        catalog(ctx).consumed(ctx, key, ref);
        return ref;
    }

    /** A path from the config, relative to the DAG file's directory. */
    static Path resolve(TaskContext ctx, String path) {
        Path p = Path.of(path);
        return p.isAbsolute() || ctx.dagDirectory() == null ? p : ctx.dagDirectory().resolve(p).normalize();
    }

    static List<ConfigField> with(List<ConfigField> own) {
        List<ConfigField> all = new ArrayList<>(own);
        all.add(MEMORY_LIMIT);
        all.add(THREADS);
        return List.copyOf(all);
    }
}
