package dev.sluice.engine;

import dev.sluice.dag.DagError;
import dev.sluice.dag.DagFolder;
import dev.sluice.store.DagRepository;
import dev.sluice.task.TaskTypeRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings the database in line with a DAG folder: each valid file's definition is stored (a new version when it
 * changed), broken files become import errors without stopping the others, and DAGs whose file is gone are
 * marked inactive. Listeners (the scheduler) hear about every sync.
 */
public final class DagSync {
    private static final Logger log = LoggerFactory.getLogger(DagSync.class);

    private final DagRepository dags;
    private final TaskTypeRegistry types;
    private final Path folder;
    private final List<Consumer<Result>> listeners = new CopyOnWriteArrayList<>();
    private volatile Result last;

    public record Result(Map<String, DagFolder.LoadedDag> dags, Map<String, Long> versionIds,
                         List<String> changed, Map<String, List<String>> importErrors) {}

    public DagSync(DagRepository dags, TaskTypeRegistry types, Path folder) {
        this.dags = dags;
        this.types = types;
        this.folder = folder;
    }

    public void onSync(Consumer<Result> listener) {
        listeners.add(listener);
    }

    public Path folder() {
        return folder;
    }

    public Result last() {
        return last;
    }

    public synchronized Result sync() {
        DagFolder.LoadResult loaded = DagFolder.load(folder, types);
        Map<String, Long> versions = new LinkedHashMap<>();
        List<String> changed = new ArrayList<>();
        for (var e : loaded.dags().entrySet()) {
            var d = e.getValue();
            var stored = dags.save(d.dag(), d.file().toString(), d.source());
            versions.put(e.getKey(), stored.versionId());
            if (stored.created()) {
                changed.add(e.getKey());
                log.info("DAG {} version {} stored from {}", e.getKey(), stored.versionNo(), d.file());
            }
        }
        Map<String, List<String>> errors = new LinkedHashMap<>();
        loaded.importErrors().forEach((file, errs) -> {
            List<String> lines = errs.stream().map(DagError::toString).toList();
            errors.put(file.toString(), lines);
            // the folder is re-read every few seconds: report a broken file once, not on every pass
            if (last == null || !lines.equals(last.importErrors().get(file.toString()))) {
                log.warn("Import errors in {}:\n  {}", file, String.join("\n  ", lines));
            }
        });
        dags.replaceImportErrors(errors);
        // A DAG whose file is broken keeps its last good version active: a typo must not stop its schedule.
        List<String> present = new ArrayList<>(loaded.dags().keySet());
        present.addAll(dags.idsDefinedIn(loaded.importErrors().keySet().stream().map(Path::toString).toList()));
        dags.deactivateAllExcept(present);
        Result r = new Result(loaded.dags(), versions, changed, errors);
        last = r;
        for (var l : listeners) {
            try {
                l.accept(r);
            } catch (Exception ex) {
                log.warn("DAG sync listener failed: {}", ex.toString());
            }
        }
        return r;
    }
}
