package dev.sluice.engine;

import dev.sluice.dag.DagBundle;
import dev.sluice.store.DagRepository;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The DAG directory of each attempt: relative paths in a task's config, and a shell task's working directory,
 * resolve against it. A version stored with its files runs in those files, materialized on this node under
 * {@code SLUICE_HOME/cache/dagfiles/<version_id>/}, whatever the node's own DAG folder holds (or whether it has
 * one). A version stored before DAG bundles runs against the folder of the DAG's file on this node, as before.
 */
final class DagDirectories {
    private final DagRepository dags;
    private final Path fallback;
    private final Path cacheRoot;
    private final Supplier<DagBundles> bundles;
    private final Map<String, Path> folders = new ConcurrentHashMap<>();
    private final Map<String, Path> overrides = new ConcurrentHashMap<>();
    private final Map<Long, Optional<Path>> versions = new ConcurrentHashMap<>();

    DagDirectories(DagRepository dags, Path home, Supplier<DagBundles> bundles) {
        this.dags = dags;
        this.fallback = home;
        this.cacheRoot = home.resolve("cache").resolve("dagfiles");
        this.bundles = bundles;
    }

    /** The DAG directory for an attempt of {@code dagId} whose run pinned {@code versionId}. */
    Path of(String dagId, long versionId) {
        Path local = overrides.get(dagId);
        if (local != null) return local;
        // computeIfAbsent serialises concurrent attempts of one version in this process; other processes on the
        // node are kept apart by the atomic rename in DagBundles.materialize.
        // A cache directory deleted while the process runs (documented as allowed when idle) is made again.
        versions.computeIfPresent(
                versionId, (v, dir) -> dir.isPresent() && !java.nio.file.Files.isDirectory(dir.get()) ? null : dir);
        Optional<Path> bundled = versions.computeIfAbsent(versionId, v -> {
            Optional<List<DagBundle.File>> files = dags.versionFiles(v);
            if (files.isEmpty()) return Optional.empty();
            try {
                return Optional.of(bundles.get().materialize(v, files.get(), cacheRoot));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot fetch the files of DAG " + dagId + " version id " + v, e);
            }
        });
        return bundled.orElseGet(() -> folder(dagId));
    }

    /** The DAG file's folder on this node (whether or not it exists here). */
    Path sourceFolder(String dagId) {
        Path local = overrides.get(dagId);
        return local != null ? local : folder(dagId);
    }

    private Path folder(String dagId) {
        return folders.computeIfAbsent(
                dagId,
                id -> dags.filePath(id)
                        .map(p -> Path.of(p).toAbsolutePath().getParent())
                        .orElse(fallback));
    }

    /** In this process, the DAG's tasks resolve against {@code file}'s folder rather than the stored files. */
    void use(String dagId, Path file) {
        overrides.put(dagId, file.toAbsolutePath().getParent());
    }
}
