package dev.sluice.ml.python;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import dev.sluice.ml.Json;
import dev.sluice.ml.artifact.Artifact;
import dev.sluice.ml.artifact.ArtifactCatalog;
import dev.sluice.ml.artifact.ArtifactKind;
import dev.sluice.ml.artifact.ArtifactStore;
import dev.sluice.ml.data.DatasetSchema;
import dev.sluice.ml.data.DuckDb;
import dev.sluice.ml.model.ModelBundle;
import dev.sluice.ml.onnx.OnnxBundles;
import dev.sluice.ml.tracking.ExperimentLog;
import dev.sluice.task.TaskContext;
import dev.sluice.task.TaskFailedException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The worker side of the attempt-file protocol (clients/python/README.md): {@code context.json} before the process
 * starts, and after it exits 0 the files the SDK wrote under {@code result/} become the task's output, artifacts,
 * lineage and experiment record.
 */
final class AttemptFiles {
    static final int PROTOCOL = 1;
    static final String PARQUET = "application/vnd.apache.parquet";
    /** The metrics key that holds per-step values; a metric may not have this name. */
    static final String HISTORY = "history";

    private static final Pattern REF = Pattern.compile("sha256:[0-9a-f]{64}");

    private final TaskContext ctx;
    private final ArtifactStore store;
    private final ArtifactCatalog catalog;
    private final Path dir;

    AttemptFiles(TaskContext ctx, ArtifactStore store, ArtifactCatalog catalog, Path dir) {
        this.ctx = ctx;
        this.store = store;
        this.catalog = catalog;
        this.dir = dir;
    }

    Path result() {
        return dir.resolve("result");
    }

    /**
     * Writes {@code context.json}. Every {@code sha256:} ref in the upstream outputs and the rendered config is
     * fetched to a local file (whatever the store is) and recorded as read by this attempt, under the output key or
     * config key it came from.
     */
    void writeContext() throws IOException, TaskFailedException {
        Map<String, String> roles = new TreeMap<>();
        ctx.upstreamOutputs().forEach((task, out) -> {
            if (out != null) out.forEach((k, v) -> refs(v, ref -> roles.putIfAbsent(ref, k)));
        });
        ctx.config().forEach((k, v) -> refs(v, ref -> roles.putIfAbsent(ref, k)));
        Map<String, String> artifacts = new TreeMap<>();
        for (Map.Entry<String, String> e : roles.entrySet()) {
            if (!store.contains(e.getKey())) continue; // a ref-like string that is no artifact of this store
            artifacts.put(
                    e.getKey(), store.localPath(e.getKey()).toAbsolutePath().toString());
            catalog.consumed(ctx, e.getValue(), e.getKey());
        }
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("protocol", PROTOCOL);
        c.put("dag_id", ctx.dagId());
        c.put("run_id", ctx.runId());
        c.put("task_id", ctx.taskId());
        c.put("attempt", ctx.attempt());
        c.put("logical_date", ctx.logicalDate().toString());
        c.put("params", ctx.params());
        c.put("upstream", ctx.upstreamOutputs());
        c.put("artifacts", artifacts);
        Files.createDirectories(result().resolve("files"));
        Files.writeString(dir.resolve("context.json"), Json.write(c));
    }

    private static void refs(Object v, java.util.function.Consumer<String> found) {
        if (v instanceof String s) {
            Matcher m = REF.matcher(s);
            while (m.find()) found.accept(m.group());
        } else if (v instanceof Map<?, ?> m) {
            m.values().forEach(x -> refs(x, found));
        } else if (v instanceof List<?> l) {
            l.forEach(x -> refs(x, found));
        }
    }

    /** The task's output: plain values as written, {@code $artifact} entries stored and replaced by their refs. */
    Map<String, Object> collect(DuckDbFactory duck) throws Exception {
        Map<String, Object> outputs = readObject("outputs.json");
        Map<String, Object> result = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : outputs.entrySet()) {
            String key = e.getKey();
            if (e.getValue() instanceof Map<?, ?> m && m.containsKey("$artifact")) {
                if (!(m.get("$artifact") instanceof Map<?, ?> spec))
                    throw new TaskFailedException("outputs.json: " + key + ": $artifact must be an object");
                storeArtifact(key, spec, result, duck);
            } else {
                result.put(key, e.getValue());
            }
        }
        record();
        return result;
    }

    private void storeArtifact(String key, Map<?, ?> spec, Map<String, Object> result, DuckDbFactory duck)
            throws Exception {
        String kind = String.valueOf(spec.get("kind") == null ? "file" : spec.get("kind"));
        Path file = "dataset".equals(kind) && isFolder(key, spec.get("path"))
                ? merged(key, insideFolder(key, spec.get("path")), duck)
                : inside(key, spec.get("path"));
        String media = spec.get("media_type") instanceof String s ? s : "application/octet-stream";
        switch (kind) {
            case "dataset" -> {
                // Read it as ml.* tasks will, so a file that is no Parquet fails here, naming the output.
                long rows;
                DatasetSchema schema;
                try (DuckDb db = duck.open()) {
                    String rel = DuckDb.parquet(file);
                    rows = db.count(rel);
                    schema = db.schemaOf("SELECT * FROM " + rel);
                } catch (java.sql.SQLException ex) {
                    throw new TaskFailedException(
                            "output " + key + ": the dataset is not a readable Parquet file: " + ex.getMessage());
                }
                Artifact a = store.put(file, ArtifactKind.DATASET, PARQUET);
                catalog.produced(ctx, key, a, rows, schema.toMap(), null);
                result.put(key, a.ref());
                result.put(key + "_rows", rows); // as ml.split reports its datasets
                ctx.log().printf("output %s: dataset %s (%d rows, %d bytes)%n", key, a.ref(), rows, a.bytes());
            }
            case "model" -> {
                Artifact a = store.put(file, ArtifactKind.MODEL, media);
                Map<String, Object> meta = new LinkedHashMap<>();
                if (spec.get("model") instanceof Map<?, ?> m) m.forEach((k, v) -> meta.put(String.valueOf(k), v));
                meta.put("media_type", media);
                if (ModelBundle.ONNX.equals(meta.get("format"))) {
                    // The output becomes a model bundle like ml.train's, so ml.evaluate and ml.deploy take it as is.
                    catalog.produced(ctx, key + "_onnx", a, null, null, meta);
                    Artifact bundle = onnxBundle(key, a, meta, duck);
                    result.put(key, bundle.ref());
                    result.put(key + "_onnx", a.ref());
                    result.put(key + "_model", meta);
                    break;
                }
                catalog.produced(ctx, key, a, null, null, meta);
                result.put(key, a.ref());
                result.put(key + "_model", meta);
                ctx.log().printf("output %s: model %s (%d bytes)%n", key, a.ref(), a.bytes());
            }
            case "file" -> {
                Artifact a = store.put(file, ArtifactKind.REPORT, media);
                catalog.produced(ctx, key, a, null, null, null);
                result.put(key, a.ref());
                ctx.log().printf("output %s: file %s (%d bytes)%n", key, a.ref(), a.bytes());
            }
            default ->
                throw new TaskFailedException(
                        "outputs.json: " + key + ": unknown artifact kind '" + kind + "' (dataset, file or model)");
        }
    }

    /**
     * The bundle of an ONNX model saved by {@code sluice.save_model}: the graph is loaded and checked against the
     * declared input schema, problem and classes first, so a model that could not serve fails its task, not a
     * request.
     */
    private Artifact onnxBundle(String key, Artifact onnx, Map<String, Object> meta, DuckDbFactory duck)
            throws Exception {
        String trainedOn = meta.get("trained_on") instanceof String s ? s : null;
        long trainedRows = 0;
        if (trainedOn != null) {
            if (!REF.matcher(trainedOn).matches() || !store.contains(trainedOn)) {
                throw new TaskFailedException("output " + key + ": trained_on '" + trainedOn
                        + "' is not a dataset artifact (give the ref the task read, e.g."
                        + " sluice.upstream('split', 'train'))");
            }
            try (DuckDb db = duck.open()) {
                trainedRows = db.count(DuckDb.parquet(store.localPath(trainedOn)));
            } catch (java.sql.SQLException e) {
                throw new TaskFailedException("output " + key + ": trained_on " + trainedOn
                        + " is not a readable dataset: " + e.getMessage());
            }
        }
        ModelBundle bundle;
        try {
            bundle = OnnxBundles.of(
                    meta,
                    onnx.ref(),
                    Files.readAllBytes(store.localPath(onnx.ref())),
                    readObject("params.json"),
                    trainedOn,
                    trainedRows);
        } catch (IllegalArgumentException e) {
            throw new TaskFailedException("output " + key + ": " + e.getMessage());
        }
        Path tmp = store.newTempFile(".json");
        Json.write(tmp, bundle);
        Artifact a = store.put(tmp, ArtifactKind.BUNDLE, "application/json");
        catalog.produced(ctx, key, a, null, bundle.inputSchema().toMap(), null);
        ctx.log()
                .printf(
                        "output %s: ONNX model bundle %s (%s %s, model %s, %d bytes; inputs %s)%n",
                        key,
                        a.ref(),
                        bundle.framework() == null ? "onnx" : bundle.framework(),
                        bundle.problem().lower(),
                        onnx.ref(),
                        onnx.bytes(),
                        bundle.inputSchema().names());
        return a;
    }

    /** The file an {@code $artifact} names, refused unless it is a regular file inside {@code result/}. */
    Path inside(String key, Object path) throws IOException, TaskFailedException {
        if (!(path instanceof String p) || p.isBlank())
            throw new TaskFailedException("outputs.json: " + key + ": $artifact.path is missing");
        Path rel = Path.of(p);
        Path root = result().toRealPath();
        Path file = root.resolve(rel).normalize();
        if (rel.isAbsolute() || !file.startsWith(root)) {
            throw new TaskFailedException(
                    "outputs.json: " + key + ": path '" + p + "' is outside the attempt's result folder");
        }
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS))
            throw new TaskFailedException("outputs.json: " + key + ": no file " + p);
        if (!file.toRealPath().startsWith(root)
                || Files.isSymbolicLink(file)
                || !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new TaskFailedException("outputs.json: " + key + ": '" + p
                    + "' is a link or not a regular file inside the attempt's result folder");
        }
        return file;
    }

    private boolean isFolder(String key, Object path) throws IOException, TaskFailedException {
        if (!(path instanceof String p) || p.isBlank())
            throw new TaskFailedException("outputs.json: " + key + ": $artifact.path is missing");
        return Files.isDirectory(result().resolve(p).normalize(), LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * A dataset written as a folder of Parquet part files (Spark's {@code df.write.parquet}), refused unless the
     * folder and every file in it are real (no links) and inside {@code result/}.
     */
    private Path insideFolder(String key, Object path) throws IOException, TaskFailedException {
        String p = (String) path;
        Path root = result().toRealPath();
        Path folder = root.resolve(p).normalize();
        if (Path.of(p).isAbsolute()
                || !folder.startsWith(root)
                || !folder.toRealPath().startsWith(root)) {
            throw new TaskFailedException(
                    "outputs.json: " + key + ": path '" + p + "' is outside the attempt's result folder");
        }
        try (var walk = Files.walk(folder)) {
            for (Path f : walk.toList()) {
                if (Files.isSymbolicLink(f)) {
                    throw new TaskFailedException("outputs.json: " + key + ": '" + root.relativize(f)
                            + "' is a link; a dataset folder holds only its own files");
                }
            }
        }
        return folder;
    }

    /**
     * One Parquet file of all the folder's {@code *.parquet} parts, in part-name order (so a dataset written twice
     * is the same artifact): ml.* tasks read a dataset as one file. DuckDB streams the copy, spilling past its
     * memory limit, so the dataset need not fit in memory.
     */
    private Path merged(String key, Path folder, DuckDbFactory duck) throws Exception {
        long parts;
        try (var walk = Files.walk(folder)) {
            parts = walk.filter(f -> f.getFileName().toString().endsWith(".parquet") && Files.isRegularFile(f))
                    .count();
        }
        if (parts == 0) throw new TaskFailedException("output " + key + ": the dataset folder holds no .parquet file");
        Path target = folder.resolveSibling(folder.getFileName() + ".merged.parquet");
        try (DuckDb db = duck.open()) {
            db.exec("COPY (SELECT * FROM read_parquet("
                    + DuckDb.literal(folder.toString() + "/**/*.parquet")
                    + ")) TO " + DuckDb.literal(target.toString()) + " (FORMAT parquet)");
        } catch (java.sql.SQLException ex) {
            throw new TaskFailedException(
                    "output " + key + ": the dataset folder is not readable as Parquet: " + ex.getMessage());
        }
        ctx.log().printf("output %s: %d Parquet part file(s) merged into one dataset%n", key, parts);
        return target;
    }

    /** params.json and metrics.jsonl as an experiment record next to ml.train's; nothing when the task logged none. */
    private void record() throws IOException, TaskFailedException {
        Map<String, Object> params = readObject("params.json");
        Map<String, Object> metrics = new LinkedHashMap<>();
        Map<String, List<Map<String, Object>>> history = new TreeMap<>();
        Path file = result().resolve("metrics.jsonl");
        if (Files.exists(file)) {
            int n = 0;
            for (String line : Files.readAllLines(file)) {
                n++;
                if (line.isBlank()) continue;
                Map<String, Object> m;
                try {
                    m = Json.MAPPER.readValue(line, new TypeReference<>() {});
                } catch (JsonProcessingException e) {
                    throw new TaskFailedException(
                            "metrics.jsonl line " + n + " is not JSON: " + e.getOriginalMessage());
                }
                if (!(m.get("name") instanceof String name) || !(m.get("value") instanceof Number value)) {
                    throw new TaskFailedException("metrics.jsonl line " + n + ": needs a name and a numeric value");
                }
                if (name.equals(HISTORY))
                    throw new TaskFailedException("metric name '" + HISTORY + "' is reserved for per-step values");
                metrics.put(name, value.doubleValue()); // the last value of a name is the attempt's metric
                if (m.get("step") != null) {
                    Map<String, Object> point = new LinkedHashMap<>();
                    point.put("step", m.get("step"));
                    point.put("value", value.doubleValue());
                    history.computeIfAbsent(name, k -> new ArrayList<>()).add(point);
                }
            }
        }
        if (!history.isEmpty()) metrics.put(HISTORY, history);
        if (params.isEmpty() && metrics.isEmpty()) return;
        ExperimentLog.record(ctx, "python", params, metrics);
        ctx.log()
                .printf(
                        "experiment: %d params, %d metrics recorded%n",
                        params.size(), metrics.size() - (history.isEmpty() ? 0 : 1));
    }

    private Map<String, Object> readObject(String name) throws IOException, TaskFailedException {
        Path f = result().resolve(name);
        if (!Files.exists(f)) return Map.of();
        try {
            Object v = Json.MAPPER.readValue(f.toFile(), Object.class);
            if (v instanceof Map<?, ?> m) {
                Map<String, Object> out = new LinkedHashMap<>();
                m.forEach((k, x) -> out.put(String.valueOf(k), x));
                return out;
            }
            throw new TaskFailedException(name + " must hold a JSON object");
        } catch (JsonProcessingException e) {
            throw new TaskFailedException(name + " is not valid JSON: " + e.getOriginalMessage());
        }
    }

    /** DuckDB for checking datasets, opened per use. */
    interface DuckDbFactory {
        DuckDb open() throws Exception;
    }
}
