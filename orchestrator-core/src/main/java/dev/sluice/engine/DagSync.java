package dev.sluice.engine;

import dev.sluice.dag.DagBundle;
import dev.sluice.dag.DagBundleFiles;
import dev.sluice.dag.DagError;
import dev.sluice.dag.DagFileLimits;
import dev.sluice.dag.DagFolder;
import dev.sluice.store.DagRepository;
import dev.sluice.task.TaskTypeRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings the database in line with one DAG source, a folder: each valid file's definition is stored (a new version
 * when it changed), broken files become import errors without stopping the others, and the source's DAGs whose
 * file is gone are marked inactive. Listeners (the scheduler) hear about every sync.
 *
 * <p>Several sources can share a database (nodes with different folders): each DAG belongs to the source that
 * loaded it, and only that source retires it, so a node with another or a partial folder never deactivates, and
 * thereby unschedules, DAGs it did not load. A source's id is its folder's canonical path unless
 * {@code SLUICE_DAG_SOURCE} names it (nodes that mount one folder at different paths give it one name).
 */
public final class DagSync {
    private static final Logger log = LoggerFactory.getLogger(DagSync.class);
    /** Twelve missed syncs (every 5 s): the source's nodes are gone, and another source may take its DAGs. */
    static final Duration OWNER_GONE_AFTER = Duration.ofMinutes(1);

    private static final int MAX_SOURCE_ID = 1000;

    private final DagRepository dags;
    private final DagFolder loader;
    private final Path folder;
    private final String sourceId;
    private final Duration ownerGoneAfter;
    private final List<Consumer<Result>> listeners = new CopyOnWriteArrayList<>();
    private volatile Result last;
    private DagBundles bundles;
    private DagBundleFiles bundleFiles;

    public record Result(
            Map<String, DagFolder.LoadedDag> dags,
            Map<String, Long> versionIds,
            List<String> changed,
            Map<String, List<String>> importErrors) {}

    public DagSync(DagRepository dags, TaskTypeRegistry types, Path folder) {
        this(dags, types, folder, null, DagFileLimits.DEFAULT);
    }

    /** @param sourceId the source's name; null for the folder's canonical path */
    public DagSync(DagRepository dags, TaskTypeRegistry types, Path folder, String sourceId, DagFileLimits limits) {
        this(dags, types, folder, sourceId, limits, OWNER_GONE_AFTER);
    }

    DagSync(
            DagRepository dags,
            TaskTypeRegistry types,
            Path folder,
            String sourceId,
            DagFileLimits limits,
            Duration ownerGoneAfter) {
        this.dags = dags;
        this.folder = folder;
        this.loader = new DagFolder(folder, types, limits);
        this.sourceId = sourceId != null ? sourceId : canonical(folder).toString();
        this.ownerGoneAfter = ownerGoneAfter;
        if (this.sourceId.isBlank() || this.sourceId.length() > MAX_SOURCE_ID) {
            throw new IllegalArgumentException("a DAG source id (SLUICE_DAG_SOURCE) must have 1 to " + MAX_SOURCE_ID
                    + " characters, got " + this.sourceId.length());
        }
    }

    private static Path canonical(Path folder) {
        try {
            return folder.toRealPath();
        } catch (IOException e) {
            return folder.toAbsolutePath().normalize();
        }
    }

    /**
     * Stores the files beside each DAG file with its versions (DAG bundles), so workers on other nodes run them:
     * at most {@code maxBytes} per DAG, else the DAG file gets an import error naming the biggest files.
     */
    public synchronized DagSync withBundles(DagBundles bundles, long maxBytes) {
        this.bundles = bundles;
        this.bundleFiles = new DagBundleFiles(folder, maxBytes);
        return this;
    }

    public void onSync(Consumer<Result> listener) {
        listeners.add(listener);
    }

    public Path folder() {
        return folder;
    }

    public String sourceId() {
        return sourceId;
    }

    public Result last() {
        return last;
    }

    public synchronized Result sync() {
        DagFolder.LoadResult loaded = loader.load();
        if (last == null) log.info("DAG source '{}': folder {}", sourceId, folder);
        dags.touchSource(sourceId, canonical(folder).toString());
        Map<String, DagFolder.LoadedDag> owned = new TreeMap<>();
        Map<String, Long> versions = new LinkedHashMap<>();
        List<String> changed = new ArrayList<>();
        Map<Path, List<DagError>> problems = new TreeMap<>(loaded.importErrors());
        Set<Path> dagFiles = new java.util.HashSet<>(loaded.importErrors().keySet());
        List<String> unbundled = new ArrayList<>();
        loaded.dags().values().forEach(d -> dagFiles.add(d.file()));
        for (var e : loaded.dags().entrySet()) {
            var d = e.getValue();
            DagBundle bundle = null;
            if (bundles != null) {
                try {
                    var collected = bundleFiles.collect(d.file(), dagFiles);
                    // Before the version row: a manifest must never name a file the store lacks.
                    bundles.upload(collected);
                    bundle = collected.bundle();
                } catch (DagBundleFiles.TooBig | IOException | RuntimeException ex) {
                    String why = ex instanceof DagBundleFiles.TooBig
                            ? ex.getMessage()
                            : "cannot store the files beside it: " + ex;
                    problems.put(d.file(), List.of(new DagError(d.file().toString(), 0, "files", why)));
                    unbundled.add(e.getKey()); // like a broken file: the last good version stays active
                    continue;
                }
            }
            var saved = dags.saveFromSource(
                    sourceId, ownerGoneAfter, d.dag(), d.file().toString(), d.source(), bundle);
            if (!saved.saved()) {
                problems.put(
                        d.file(),
                        List.of(new DagError(
                                d.file().toString(),
                                d.idLine(),
                                "id",
                                "DAG id '"
                                        + e.getKey() + "' belongs to the DAG source '" + saved.owner() + "' (file "
                                        + saved.ownerFile()
                                        + "), which is still syncing: this file is ignored until that source retires the DAG or stops"
                                        + " syncing for " + ownerGoneAfter.toSeconds() + " s")));
                continue;
            }
            owned.put(e.getKey(), d);
            versions.put(e.getKey(), saved.stored().versionId());
            if (saved.stored().created()) {
                changed.add(e.getKey());
                log.info(
                        "DAG {} version {} stored from {}",
                        e.getKey(),
                        saved.stored().versionNo(),
                        d.file());
            }
        }
        Map<String, List<String>> errors = new LinkedHashMap<>();
        problems.forEach((file, errs) -> {
            List<String> lines = errs.stream().map(DagError::toString).toList();
            errors.put(file.toString(), lines);
            // the folder is re-read every few seconds: report a broken file once, not on every pass
            if (last == null || !lines.equals(last.importErrors().get(file.toString()))) {
                log.warn("Import errors in {}:\n  {}", file, String.join("\n  ", lines));
            }
        });
        dags.replaceImportErrors(sourceId, errors);
        // A DAG whose file is broken keeps its last good version active: a typo must not stop its schedule.
        List<String> present = new ArrayList<>(owned.keySet());
        present.addAll(dags.idsDefinedIn(
                loaded.importErrors().keySet().stream().map(Path::toString).toList()));
        present.addAll(unbundled);
        dags.retireMissing(sourceId, legacyFolders(), present);
        Result r = new Result(owned, versions, changed, errors);
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

    /** Where DAGs stored before sources were recorded may name their files: the folder as given, and canonical. */
    private Set<String> legacyFolders() {
        Set<String> out = new LinkedHashSet<>();
        out.add(folder.toAbsolutePath().normalize().toString());
        out.add(canonical(folder).toString());
        return out;
    }
}
