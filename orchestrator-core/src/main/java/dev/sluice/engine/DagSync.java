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
    /** DAGs stored per transaction: one commit for many, yet a lock on a few hundred DAG rows at most. */
    private static final int SAVE_BATCH = 200;

    private final DagRepository dags;
    private final DagFolder loader;
    private final Path folder;
    private final String sourceId;
    private final Duration ownerGoneAfter;
    private final List<Consumer<Result>> listeners = new CopyOnWriteArrayList<>();
    private volatile Result last;
    private final Map<String, Stored> stored = new java.util.HashMap<>();
    private Map<String, List<String>> writtenErrors;
    /** Monotonic time of the last full retire check (0: none yet). */
    private long lastRetireCheck;

    private static final Duration RETIRE_CHECK_EVERY = Duration.ofMinutes(1);
    private DagBundles bundles;
    private DagBundleFiles bundleFiles;

    /**
     * One pass: the source's DAGs with their stored versions, those stored anew this pass ({@code changed}), those
     * this pass marked inactive because their file is gone ({@code retired}), and each broken file's errors.
     */
    public record Result(
            Map<String, DagFolder.LoadedDag> dags,
            Map<String, Long> versionIds,
            List<String> changed,
            List<String> retired,
            Map<String, List<String>> importErrors) {}

    /** What this source last stored for a DAG: the parse (same object while the file is unchanged) and bundle. */
    private record Stored(DagFolder.LoadedDag loaded, DagBundle bundle, long versionId) {}

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

    /**
     * Runs {@code syncNow} on {@code syncs} shortly after files in the folder change, so an edit is live in well
     * under a second rather than at the next periodic pass. Close the handle to stop watching.
     */
    public AutoCloseable watch(java.util.concurrent.ScheduledExecutorService syncs, Runnable syncNow) {
        DagFolderWatch w = DagFolderWatch.start(folder, syncs, syncNow);
        return w != null ? w : () -> {};
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

    /**
     * One pass over the folder. It runs every few seconds and on every file event, so an unchanged DAG costs no
     * write: a DAG is saved only when its parse or files changed since this source stored it, or when the database
     * no longer shows it as this source's at that version (another source took it over, an operator's restore).
     */
    public synchronized Result sync() {
        long t0 = System.nanoTime();
        if (last == null) log.info("DAG source '{}': folder {}", sourceId, folder);
        DagFolder.LoadResult loaded = loader.load();
        long parsed = System.nanoTime();
        dags.touchSource(sourceId, canonical(folder).toString());
        Map<String, Long> inDatabase = dags.activeVersionsOf(sourceId);
        Map<String, DagFolder.LoadedDag> owned = new TreeMap<>();
        Map<String, Long> versions = new LinkedHashMap<>();
        List<String> changed = new ArrayList<>();
        Map<Path, List<DagError>> problems = new TreeMap<>(loaded.importErrors());
        Set<Path> dagFiles = new java.util.HashSet<>(loaded.importErrors().keySet());
        List<String> unbundled = new ArrayList<>();
        loaded.dags().values().forEach(d -> dagFiles.add(d.file()));
        DagBundleFiles.Scan scan = bundles != null ? bundleFiles.scan(dagFiles) : null;
        List<Pending> pending = new ArrayList<>();
        for (var e : loaded.dags().entrySet()) {
            var d = e.getValue();
            DagBundle bundle = null;
            DagBundleFiles.Collected collected = null;
            if (scan != null) {
                try {
                    collected = scan.collect(d.file());
                    bundle = collected.bundle();
                } catch (DagBundleFiles.TooBig | IOException | RuntimeException ex) {
                    problems.put(d.file(), List.of(bundleError(d, ex)));
                    unbundled.add(e.getKey()); // like a broken file: the last good version stays active
                    continue;
                }
            }
            Stored before = stored.get(e.getKey());
            if (before != null
                    && before.loaded() == d
                    && java.util.Objects.equals(before.bundle(), bundle)
                    && Long.valueOf(before.versionId()).equals(inDatabase.get(e.getKey()))) {
                owned.put(e.getKey(), d);
                versions.put(e.getKey(), before.versionId());
                continue;
            }
            if (collected != null) {
                try {
                    // Before the version row: a manifest must never name a file the store lacks.
                    bundles.upload(collected);
                } catch (IOException | RuntimeException ex) {
                    problems.put(d.file(), List.of(bundleError(d, ex)));
                    unbundled.add(e.getKey());
                    continue;
                }
            }
            pending.add(new Pending(e.getKey(), d, bundle));
        }
        long collected = System.nanoTime();
        for (int from = 0; from < pending.size(); from += SAVE_BATCH) {
            List<Pending> chunk = pending.subList(from, Math.min(pending.size(), from + SAVE_BATCH));
            List<DagRepository.SourcedSave> saves = save(chunk);
            for (int i = 0; i < chunk.size(); i++) {
                Pending p = chunk.get(i);
                DagRepository.SourcedSave saved = saves.get(i);
                if (saved == null) {
                    unbundled.add(p.id()); // as a broken file: the last good version stays active
                    problems.put(
                            p.loaded().file(),
                            List.of(new DagError(
                                    p.loaded().file().toString(), 0, "id", "cannot be stored; see the server log")));
                    continue;
                }
                if (!saved.saved()) {
                    stored.remove(p.id());
                    problems.put(
                            p.loaded().file(),
                            List.of(new DagError(
                                    p.loaded().file().toString(),
                                    p.loaded().idLine(),
                                    "id",
                                    "DAG id '"
                                            + p.id() + "' belongs to the DAG source '" + saved.owner() + "' (file "
                                            + saved.ownerFile()
                                            + "), which is still syncing: this file is ignored until that source retires the DAG or stops"
                                            + " syncing for " + ownerGoneAfter.toSeconds() + " s")));
                    continue;
                }
                stored.put(
                        p.id(),
                        new Stored(p.loaded(), p.bundle(), saved.stored().versionId()));
                owned.put(p.id(), p.loaded());
                versions.put(p.id(), saved.stored().versionId());
                if (saved.stored().created()) {
                    changed.add(p.id());
                    log.info(
                            "DAG {} version {} stored from {}",
                            p.id(),
                            saved.stored().versionNo(),
                            p.loaded().file());
                }
            }
        }
        stored.keySet().retainAll(owned.keySet());
        Map<String, List<String>> errors = new LinkedHashMap<>();
        problems.forEach((file, errs) -> {
            List<String> lines = errs.stream().map(DagError::toString).toList();
            errors.put(file.toString(), lines);
            // the folder is re-read every few seconds: report a broken file once, not on every pass
            if (last == null || !lines.equals(last.importErrors().get(file.toString()))) {
                log.warn("Import errors in {}:\n  {}", file, String.join("\n  ", lines));
            }
        });
        if (!errors.equals(writtenErrors)) {
            dags.replaceImportErrors(sourceId, errors);
            writtenErrors = errors;
        }
        // A DAG whose file is broken keeps its last good version active: a typo must not stop its schedule.
        List<String> present = new ArrayList<>(owned.keySet());
        present.addAll(dags.idsDefinedIn(
                loaded.importErrors().keySet().stream().map(Path::toString).toList()));
        present.addAll(unbundled);
        // Retiring compares every DAG row of the source with the folder: only when a DAG the database shows active
        // is no longer in the folder, and once a minute for rows stored before sources were recorded.
        boolean someGone = !new java.util.HashSet<>(present).containsAll(inDatabase.keySet());
        long nowNanos = System.nanoTime();
        List<String> retired = List.of();
        if (someGone || lastRetireCheck == 0 || nowNanos - lastRetireCheck >= RETIRE_CHECK_EVERY.toNanos()) {
            retired = dags.retireMissing(sourceId, legacyFolders(), present);
            lastRetireCheck = nowNanos;
        }
        for (String id : retired) log.info("DAG {} retired: its file is gone from {}", id, folder);
        Result r = new Result(owned, versions, changed, retired, errors);
        if (last == null || !changed.isEmpty() || !retired.isEmpty()) {
            log.info(
                    "DAG source '{}': {} DAGs, {} stored, {} retired, {} files with errors, in {} ms (reading {} ms,"
                            + " files beside them {} ms, storing {} ms)",
                    sourceId,
                    owned.size(),
                    changed.size(),
                    retired.size(),
                    errors.size(),
                    (System.nanoTime() - t0) / 1_000_000,
                    (parsed - t0) / 1_000_000,
                    (collected - parsed) / 1_000_000,
                    (System.nanoTime() - collected) / 1_000_000);
        }
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

    /** A DAG whose parse or files changed since this source stored it (or that the database no longer shows). */
    private record Pending(String id, DagFolder.LoadedDag loaded, DagBundle bundle) {}

    /**
     * Stores a chunk in one transaction; if that fails (a race with another source on one DAG, a definition the
     * database refuses), one by one, so one DAG's failure costs only that DAG. Null where a DAG could not be stored.
     */
    private List<DagRepository.SourcedSave> save(List<Pending> chunk) {
        try {
            return dags.saveAllFromSource(
                    sourceId,
                    ownerGoneAfter,
                    chunk.stream()
                            .map(p -> new DagRepository.SourcedDag(
                                    p.loaded().dag(),
                                    p.loaded().file().toString(),
                                    p.loaded().source(),
                                    p.bundle()))
                            .toList());
        } catch (RuntimeException batchFailed) {
            List<DagRepository.SourcedSave> out = new ArrayList<>();
            for (Pending p : chunk) {
                try {
                    out.add(dags.saveFromSource(
                            sourceId,
                            ownerGoneAfter,
                            p.loaded().dag(),
                            p.loaded().file().toString(),
                            p.loaded().source(),
                            p.bundle()));
                } catch (RuntimeException ex) {
                    log.warn(
                            "DAG {} from {} cannot be stored: {}",
                            p.id(),
                            p.loaded().file(),
                            ex.toString());
                    out.add(null);
                }
            }
            return out;
        }
    }

    private static DagError bundleError(DagFolder.LoadedDag d, Exception ex) {
        String why = ex instanceof DagBundleFiles.TooBig ? ex.getMessage() : "cannot store the files beside it: " + ex;
        return new DagError(d.file().toString(), 0, "files", why);
    }

    /** Where DAGs stored before sources were recorded may name their files: the folder as given, and canonical. */
    private Set<String> legacyFolders() {
        Set<String> out = new LinkedHashSet<>();
        out.add(folder.toAbsolutePath().normalize().toString());
        out.add(canonical(folder).toString());
        return out;
    }
}
