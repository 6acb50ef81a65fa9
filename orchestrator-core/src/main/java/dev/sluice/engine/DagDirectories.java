package dev.sluice.engine;

import dev.sluice.store.DagRepository;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The folder of each DAG's file: relative paths in a task's config resolve against it. */
final class DagDirectories {
    private final DagRepository dags;
    private final Path fallback;
    private final Map<String, Path> cache = new ConcurrentHashMap<>();

    DagDirectories(DagRepository dags, Path fallback) {
        this.dags = dags;
        this.fallback = fallback;
    }

    Path of(String dagId) {
        return cache.computeIfAbsent(dagId, id -> dags.filePath(id)
                .map(p -> Path.of(p).toAbsolutePath().getParent())
                .orElse(fallback));
    }

    /** In this process, the DAG's tasks resolve against {@code file}'s folder rather than the stored file's. */
    void use(String dagId, Path file) {
        cache.put(dagId, file.toAbsolutePath().getParent());
    }
}
