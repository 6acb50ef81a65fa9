package dev.sluice.dag;

import dev.sluice.task.TaskTypeRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The "DAG bag": every {@code *.yaml} / {@code *.yml} file under a folder, parsed. A broken file becomes an import
 * error and never stops the others from loading.
 */
public final class DagFolder {
    private DagFolder() {}

    /** A DAG with where it came from; {@code source} is kept so the exact text can be stored and shown. */
    public record LoadedDag(Dag dag, Path file, String source) {}

    /** Loaded DAGs by id, and each broken file's errors. */
    public record LoadResult(Map<String, LoadedDag> dags, Map<Path, List<DagError>> importErrors) {
        public LoadResult {
            dags = Collections.unmodifiableMap(new TreeMap<>(dags));
            importErrors = Collections.unmodifiableMap(new TreeMap<>(importErrors));
        }
    }

    public static LoadResult load(Path dir, TaskTypeRegistry registry) {
        YamlDagParser parser = new YamlDagParser(registry);
        Map<String, List<Parsed>> byId = new LinkedHashMap<>();
        Map<Path, List<DagError>> importErrors = new HashMap<>();
        for (Path file : dagFiles(dir)) {
            String source;
            try {
                source = Files.readString(file, StandardCharsets.UTF_8);
            } catch (IOException | UncheckedIOException e) {
                importErrors.put(file, List.of(new DagError(file.toString(), 0, "file", "cannot read: " + e)));
                continue;
            }
            Map<String, Integer> lines = new HashMap<>();
            try {
                Dag dag = parser.parse(source, file.toString(), lines);
                byId.computeIfAbsent(dag.id(), k -> new ArrayList<>())
                        .add(new Parsed(new LoadedDag(dag, file, source), lines.getOrDefault("id", 1)));
            } catch (DagValidationException e) {
                importErrors.put(file, e.errors());
            }
        }
        Map<String, LoadedDag> dags = new HashMap<>();
        for (Map.Entry<String, List<Parsed>> e : byId.entrySet()) {
            List<Parsed> claims = e.getValue();
            if (claims.size() == 1) {
                dags.put(e.getKey(), claims.get(0).loaded());
                continue;
            }
            // Neither wins: picking one by file order would make which DAG runs depend on directory listing order.
            for (Parsed claim : claims) {
                List<String> others = claims.stream().filter(c -> c != claim)
                        .map(c -> c.loaded().file().toString()).toList();
                Path file = claim.loaded().file();
                importErrors.put(file, List.of(new DagError(file.toString(), claim.idLine(), "id",
                        "DAG id '" + e.getKey() + "' is also declared in " + String.join(", ", others))));
            }
        }
        return new LoadResult(dags, importErrors);
    }

    private record Parsed(LoadedDag loaded, int idLine) {}

    /** Sorted, so loading (and the order of any errors) does not depend on the file system's listing order. */
    private static List<Path> dagFiles(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile)
                    .filter(p -> {
                        String name = p.getFileName().toString();
                        return name.endsWith(".yaml") || name.endsWith(".yml");
                    })
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list DAG folder " + dir, e);
        }
    }
}
