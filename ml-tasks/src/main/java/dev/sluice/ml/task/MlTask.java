package dev.sluice.ml.task;

import dev.sluice.ml.artifact.Artifact;
import dev.sluice.ml.artifact.ArtifactCatalog;
import dev.sluice.ml.artifact.ArtifactStore;
import dev.sluice.ml.artifact.ArtifactStores;
import dev.sluice.ml.artifact.ResultCache;
import dev.sluice.ml.data.DuckDb;
import dev.sluice.task.ConfigField;
import dev.sluice.task.FieldType;
import dev.sluice.task.TaskContext;
import dev.sluice.task.TaskFailedException;
import dev.sluice.task.TaskResult;
import dev.sluice.task.TaskType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/** What every ML task type shares: the artifact store, DuckDB settings, finding input artifacts and the result cache. */
abstract class MlTask implements TaskType {
    static final ConfigField MEMORY_LIMIT = ConfigField.optional(
            "memory_limit",
            FieldType.STRING,
            "1GB",
            "DuckDB memory limit; larger intermediate data spills to SLUICE_HOME/tmp/duckdb.");
    static final ConfigField THREADS =
            ConfigField.optional("threads", FieldType.INTEGER, 2, "Threads for DuckDB and training.");
    static final ConfigField CACHE = ConfigField.optional(
            "cache",
            FieldType.BOOLEAN,
            false,
            "Reuse the result of an earlier attempt with the same task type, config and inputs (while its artifacts are stored).");
    /** Settings that change how fast a result is computed, not what it is: left out of the cache key. */
    private static final Set<String> NOT_IN_KEY = Set.of(CACHE.name(), THREADS.name(), MEMORY_LIMIT.name());

    /**
     * Runs the task, or with {@code cache: true} returns the result an earlier attempt recorded for the same
     * type, config and inputs. Inputs are content-addressed artifacts, so equal references mean equal data.
     */
    @Override
    public final TaskResult execute(TaskContext ctx) throws Exception {
        Cfg cfg = cfg(ctx);
        if (!cfg.has(CACHE.name()) || !cfg.bool(CACHE.name())) return run(ctx);
        String why = notCacheable(ctx.config());
        if (why != null) throw new TaskFailedException("cache: " + why);
        Optional<ResultCache> cache = ResultCache.of(ctx, store(ctx));
        if (cache.isEmpty()) {
            ctx.log().println("cache: no application database to remember results in; computing");
            return run(ctx);
        }
        Map<String, Object> config = new TreeMap<>(ctx.config());
        config.keySet().removeAll(NOT_IN_KEY);
        Map<String, Object> inputs = new TreeMap<>(cacheInputs(ctx, cfg));
        for (String key : inputKeys()) inputs.put("input." + key, candidates(ctx, cfg, key));
        String key = ResultCache.key(name(), config, Map.of(), inputs);
        Optional<ResultCache.Hit> hit = cache.get().lookup(key);
        if (hit.isPresent()) {
            catalog(ctx).copyLineage(ctx, hit.get().attemptKey());
            ctx.log()
                    .printf(
                            "cache: reused the result computed by %s task %s in run #%d (key %s)%n",
                            hit.get().dagId(), hit.get().taskId(), hit.get().runKey(), key.substring(0, 12));
            Map<String, Object> out = new LinkedHashMap<>(hit.get().output());
            out.put("cached", true);
            return TaskResult.of(out);
        }
        TaskResult result = run(ctx);
        cache.get().remember(ctx, key, name(), result.output());
        ctx.log().printf("cache: result remembered (key %s)%n", key.substring(0, 12));
        return result;
    }

    /** The task's work; {@link #execute} adds the optional cache around it. */
    abstract TaskResult run(TaskContext ctx) throws Exception;

    /** The artifact inputs the task reads through {@link #inputRef}: part of the cache key. */
    List<String> inputKeys() {
        return List.of();
    }

    /** Inputs that are not artifacts (e.g. a source file's size and time): part of the cache key. */
    Map<String, Object> cacheInputs(TaskContext ctx, Cfg cfg) throws Exception {
        return Map.of();
    }

    /** Why this config cannot be cached (its result depends on more than its inputs), or null. */
    String notCacheable(Map<String, Object> config) {
        return null;
    }

    /** The validation error for {@code cache: true} on a config that cannot be cached, if any. */
    List<String> cacheErrors(Map<String, Object> config) {
        if (!Boolean.TRUE.equals(config.get(CACHE.name())) && !"true".equals(config.get(CACHE.name())))
            return List.of();
        String why = notCacheable(config);
        return why == null ? List.of() : List.of("cache: " + why);
    }

    /** The references {@link #inputRef} would pick for {@code key}, without recording lineage or failing. */
    private static List<String> candidates(TaskContext ctx, Cfg cfg, String key) throws TaskFailedException {
        if (cfg.has(key)) return List.of(cfg.str(key));
        List<String> found = new ArrayList<>();
        for (Map<String, Object> out : ctx.upstreamOutputs().values()) {
            Object v = out == null ? null : out.get(key);
            if (v != null) found.add(v.toString());
        }
        found.sort(null);
        return found;
    }

    Cfg cfg(TaskContext ctx) {
        return new Cfg(ctx.config(), configFields());
    }

    ArtifactStore store(TaskContext ctx) {
        return ArtifactStores.of(ctx);
    }

    ArtifactCatalog catalog(TaskContext ctx) {
        return ArtifactCatalog.of(ctx);
    }

    DuckDb duck(TaskContext ctx, Cfg cfg) throws Exception {
        // One spill directory per attempt: concurrent attempts must not share (and clean up) each other's files.
        Path base = ctx.home().resolve("tmp").resolve("duckdb");
        Files.createDirectories(base);
        Path spill = Files.createTempDirectory(base, "attempt-" + ctx.attemptKey() + "-");
        return DuckDb.openOwning(
                spill, cfg.str("memory_limit", "1GB"), Math.toIntExact(cfg.has("threads") ? cfg.lng("threads") : 2));
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
            for (Map.Entry<String, Map<String, Object>> e :
                    ctx.upstreamOutputs().entrySet()) {
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
        if (!store(ctx).contains(ref))
            throw new TaskFailedException("input " + key + ": no artifact " + ref + " in the store");
        catalog(ctx).consumed(ctx, key, ref);
        return ref;
    }

    /** A path from the config, relative to the DAG's directory (see {@link TaskContext#resolveDagPath}). */
    static Path resolve(TaskContext ctx, String path) {
        return ctx.resolveDagPath(path);
    }

    static List<ConfigField> with(List<ConfigField> own) {
        List<ConfigField> all = new ArrayList<>(own);
        all.add(MEMORY_LIMIT);
        all.add(THREADS);
        all.add(CACHE);
        return List.copyOf(all);
    }
}
