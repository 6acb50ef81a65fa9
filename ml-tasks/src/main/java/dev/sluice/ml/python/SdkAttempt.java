package dev.sluice.ml.python;

import dev.sluice.ml.artifact.ArtifactCatalog;
import dev.sluice.ml.artifact.ArtifactStore;
import dev.sluice.ml.artifact.ArtifactStores;
import dev.sluice.ml.data.DuckDb;
import dev.sluice.task.TaskContext;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The SDK hand-off of one attempt, for task types other than {@code python} whose process runs Python with the
 * SDK (a PySpark driver): the attempt folder with its {@code context.json}, the variables that make {@code import
 * sluice} work and find it, and, after a successful exit, what the SDK wrote as the task's output. Closing deletes
 * the folder.
 */
public final class SdkAttempt implements AutoCloseable {
    private final Path dir;
    private final AttemptFiles files;

    private SdkAttempt(Path dir, AttemptFiles files) {
        this.dir = dir;
        this.files = files;
    }

    /** A fresh attempt folder under {@code SLUICE_HOME/tmp/<kind>}, its context written (upstream artifacts fetched). */
    public static SdkAttempt prepare(TaskContext ctx, String kind) throws Exception {
        ArtifactStore store = ArtifactStores.of(ctx);
        Path base = ctx.home().resolve("tmp").resolve(kind);
        Files.createDirectories(base);
        Path dir = Files.createTempDirectory(base, "attempt-" + ctx.attemptKey() + "-");
        try {
            AttemptFiles files = new AttemptFiles(ctx, store, ArtifactCatalog.of(ctx), dir);
            files.writeContext();
            return new SdkAttempt(dir, files);
        } catch (Exception e) {
            SdkFiles.deleteTree(dir);
            throw e;
        }
    }

    /**
     * {@code PYTHONPATH} (the SDK, then {@code extraPath}), {@code SLUICE_ATTEMPT_DIR} and unbuffered output, so
     * prints reach the live log as they happen.
     */
    public Map<String, String> environment(TaskContext ctx, Path extraPath) throws java.io.IOException {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PYTHONPATH", SdkFiles.extract(ctx.home()) + File.pathSeparator + extraPath);
        env.put("PYTHONUNBUFFERED", "1");
        env.put("SLUICE_ATTEMPT_DIR", dir.toString());
        return env;
    }

    /** The outputs, artifacts and experiment record the SDK wrote; call after the process exited 0. */
    public Map<String, Object> collect() throws Exception {
        return files.collect(() -> DuckDb.openOwning(Files.createTempDirectory(dir, "duckdb-"), "512MB", 1));
    }

    @Override
    public void close() throws java.io.IOException {
        SdkFiles.deleteTree(dir);
    }
}
