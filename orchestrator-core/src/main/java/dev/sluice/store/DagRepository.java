package dev.sluice.store;

import static dev.sluice.db.jooq.Tables.DAG;
import static dev.sluice.db.jooq.Tables.DAG_SOURCE;
import static dev.sluice.db.jooq.Tables.DAG_VERSION;
import static dev.sluice.db.jooq.Tables.DAG_VERSION_FILE;
import static dev.sluice.db.jooq.Tables.IMPORT_ERROR;

import dev.sluice.dag.Dag;
import dev.sluice.dag.DagBundle;
import dev.sluice.dag.DagJson;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/** DAGs and their versions: each distinct definition is stored once; a run pins the version it started with. */
public final class DagRepository {
    private final DSLContext dsl;
    private final Clock clock;
    private final Map<Long, Dag> versionCache = new ConcurrentHashMap<>();
    // Who produces and consumes which asset follows the latest version, in the transaction that makes it latest.
    private final AssetRepository assets = new AssetRepository();

    public DagRepository(DSLContext dsl, Clock clock) {
        this.dsl = dsl;
        this.clock = clock;
    }

    public record StoredVersion(long versionId, int versionNo, boolean created) {}

    /**
     * Records the DAG and, if its definition is new, a new version; returns the version either way. Safe when
     * two servers load the same folder at once: the unique (dag_id, hash) key decides. Leaves the DAG's owner as
     * it was: a DAG folder saves through {@link #saveFromSource}.
     */
    public StoredVersion save(Dag dag, String filePath, String source) {
        return save(dag, filePath, source, null);
    }

    /** {@link #save} with the files that travel with the version (null: none, the DAG's folder on each node). */
    public StoredVersion save(Dag dag, String filePath, String source, DagBundle bundle) {
        OffsetDateTime now = now();
        return dsl.transactionResult(cfg -> {
            DSLContext tx = DSL.using(cfg);
            tx.insertInto(DAG)
                    .set(DAG.DAG_ID, dag.id())
                    .set(DAG.FILE_PATH, filePath)
                    .set(DAG.SCHEDULE, dag.schedule())
                    .set(DAG.TIMEZONE, dag.timezone())
                    .set(DAG.DESCRIPTION, dag.description())
                    .set(DAG.TAGS, Json.jsonb(dag.tags()))
                    .set(DAG.IS_ACTIVE, true)
                    .onConflict(DAG.DAG_ID)
                    .doUpdate()
                    .set(DAG.FILE_PATH, filePath)
                    .set(DAG.SCHEDULE, dag.schedule())
                    .set(DAG.TIMEZONE, dag.timezone())
                    .set(DAG.DESCRIPTION, dag.description())
                    .set(DAG.TAGS, Json.jsonb(dag.tags()))
                    .set(DAG.IS_ACTIVE, true)
                    .set(DAG.UPDATED_AT, now)
                    .execute();
            // Serialise version numbering per DAG.
            tx.select(DAG.DAG_ID)
                    .from(DAG)
                    .where(DAG.DAG_ID.eq(dag.id()))
                    .forUpdate()
                    .fetch();
            StoredVersion stored = storeVersion(tx, dag, source, now, bundle);
            tx.update(DAG)
                    .set(DAG.LATEST_VERSION_ID, stored.versionId())
                    .where(DAG.DAG_ID.eq(dag.id()))
                    .execute();
            assets.syncReferences(tx, dag);
            return stored;
        });
    }

    /**
     * What a DAG source's save did: stored the DAG ({@code stored}), or left it alone because another source that
     * is still syncing owns it ({@code owner} and the file it loaded the DAG from).
     */
    public record SourcedSave(StoredVersion stored, String owner, String ownerFile) {
        public boolean saved() {
            return stored != null;
        }
    }

    /**
     * {@link #save} for a DAG loaded by the DAG source {@code sourceId}, which then owns the DAG. A DAG another
     * source owns is taken over only when that source retired it (inactive) or has not synced for
     * {@code ownerGoneAfter}: two live folders defining one id would otherwise swap its version back and forth.
     */
    public SourcedSave saveFromSource(
            String sourceId, Duration ownerGoneAfter, Dag dag, String filePath, String source) {
        return saveFromSource(sourceId, ownerGoneAfter, dag, filePath, source, null);
    }

    /** {@link #saveFromSource} with the version's files (null: none). */
    public SourcedSave saveFromSource(
            String sourceId, Duration ownerGoneAfter, Dag dag, String filePath, String source, DagBundle bundle) {
        OffsetDateTime now = now();
        return dsl.transactionResult(
                cfg -> saveFromSource(DSL.using(cfg), now, sourceId, ownerGoneAfter, dag, filePath, source, bundle));
    }

    /** One DAG of a folder to store: see {@link #saveFromSource}. */
    public record SourcedDag(Dag dag, String filePath, String source, DagBundle bundle) {}

    /**
     * {@link #saveFromSource} for many DAGs in one transaction (one commit instead of one per DAG: a folder's first
     * load is a thousand of them). All or none: if it fails, the caller stores them one by one to find the culprit.
     */
    public List<SourcedSave> saveAllFromSource(String sourceId, Duration ownerGoneAfter, List<SourcedDag> batch) {
        OffsetDateTime now = now();
        return dsl.transactionResult(cfg -> {
            DSLContext tx = DSL.using(cfg);
            List<SourcedSave> out = new java.util.ArrayList<>(batch.size());
            for (SourcedDag d : batch) {
                out.add(saveFromSource(
                        tx, now, sourceId, ownerGoneAfter, d.dag(), d.filePath(), d.source(), d.bundle()));
            }
            return out;
        });
    }

    private SourcedSave saveFromSource(
            DSLContext tx,
            OffsetDateTime now,
            String sourceId,
            Duration ownerGoneAfter,
            Dag dag,
            String filePath,
            String source,
            DagBundle bundle) {
        tx.insertInto(DAG)
                .set(DAG.DAG_ID, dag.id())
                .set(DAG.FILE_PATH, filePath)
                .set(DAG.IS_ACTIVE, true)
                .set(DAG.SOURCE_ID, sourceId)
                .onConflictDoNothing()
                .execute();
        var row = tx.select(DAG.SOURCE_ID, DAG.IS_ACTIVE, DAG.FILE_PATH, DAG_SOURCE.LAST_SYNCED_AT)
                .from(DAG)
                .leftJoin(DAG_SOURCE)
                .on(DAG_SOURCE.SOURCE_ID.eq(DAG.SOURCE_ID))
                .where(DAG.DAG_ID.eq(dag.id()))
                .forUpdate()
                .of(DAG)
                .fetchOne();
        String owner = row.value1();
        boolean ownerGone = row.value4() == null || row.value4().isBefore(now.minus(ownerGoneAfter));
        if (owner != null && !owner.equals(sourceId) && row.value2() && !ownerGone) {
            return new SourcedSave(null, owner, row.value3());
        }
        StoredVersion stored = storeVersion(tx, dag, source, now, bundle);
        tx.update(DAG)
                .set(DAG.FILE_PATH, filePath)
                .set(DAG.SCHEDULE, dag.schedule())
                .set(DAG.TIMEZONE, dag.timezone())
                .set(DAG.DESCRIPTION, dag.description())
                .set(DAG.TAGS, Json.jsonb(dag.tags()))
                .set(DAG.IS_ACTIVE, true)
                .set(DAG.SOURCE_ID, sourceId)
                .set(DAG.LATEST_VERSION_ID, stored.versionId())
                .set(DAG.UPDATED_AT, now)
                .where(DAG.DAG_ID.eq(dag.id()))
                .execute();
        assets.syncReferences(tx, dag);
        return new SourcedSave(stored, sourceId, filePath);
    }

    /**
     * Stores a version of the DAG for a run to pin ({@code sluice dags test}) and changes nothing else: an existing
     * DAG keeps its latest version, active flag, schedule and owner. A DAG not stored before is recorded inactive
     * and unowned, so no schedule arms it and the first DAG folder that loads it owns it.
     */
    public StoredVersion saveVersionOnly(Dag dag, String filePath, String source) {
        return saveVersionOnly(dag, filePath, source, null);
    }

    /** {@link #saveVersionOnly} with the version's files (null: none). */
    public StoredVersion saveVersionOnly(Dag dag, String filePath, String source, DagBundle bundle) {
        OffsetDateTime now = now();
        return dsl.transactionResult(cfg -> {
            DSLContext tx = DSL.using(cfg);
            tx.insertInto(DAG)
                    .set(DAG.DAG_ID, dag.id())
                    .set(DAG.FILE_PATH, filePath)
                    .set(DAG.SCHEDULE, dag.schedule())
                    .set(DAG.TIMEZONE, dag.timezone())
                    .set(DAG.DESCRIPTION, dag.description())
                    .set(DAG.TAGS, Json.jsonb(dag.tags()))
                    .set(DAG.IS_ACTIVE, false)
                    .onConflictDoNothing()
                    .execute();
            Long latest = tx.select(DAG.LATEST_VERSION_ID)
                    .from(DAG)
                    .where(DAG.DAG_ID.eq(dag.id()))
                    .forUpdate()
                    .fetchOne()
                    .value1();
            StoredVersion stored = storeVersion(tx, dag, source, now, bundle);
            // a run's DAG needs a latest version (max_active_runs is read from it)
            if (latest == null) {
                tx.update(DAG)
                        .set(DAG.LATEST_VERSION_ID, stored.versionId())
                        .where(DAG.DAG_ID.eq(dag.id()))
                        .execute();
            }
            return stored;
        });
    }

    /**
     * The version with this definition (and these files), stored now if it is new. The caller holds the DAG row's
     * lock. With a bundle the identity covers the files too, so an edited script makes a new version, and the same
     * definition without one keeps the hash it always had.
     */
    private StoredVersion storeVersion(DSLContext tx, Dag dag, String source, OffsetDateTime now, DagBundle bundle) {
        String hash = bundle == null ? DagJson.sha256(dag) : sha256(DagJson.sha256(dag) + "\nfiles:" + bundle.digest());
        var existing = tx.select(DAG_VERSION.ID, DAG_VERSION.VERSION_NO)
                .from(DAG_VERSION)
                .where(DAG_VERSION.DAG_ID.eq(dag.id()), DAG_VERSION.HASH.eq(hash))
                .fetchOne();
        if (existing != null) {
            tx.update(DAG_VERSION)
                    .set(DAG_VERSION.SOURCE, source)
                    .where(DAG_VERSION.ID.eq(existing.value1()))
                    .execute();
            return new StoredVersion(existing.value1(), existing.value2(), false);
        }
        Integer max = tx.select(DSL.max(DAG_VERSION.VERSION_NO))
                .from(DAG_VERSION)
                .where(DAG_VERSION.DAG_ID.eq(dag.id()))
                .fetchOne()
                .value1();
        int versionNo = max == null ? 1 : max + 1;
        long versionId = tx.insertInto(DAG_VERSION)
                .set(DAG_VERSION.DAG_ID, dag.id())
                .set(DAG_VERSION.VERSION_NO, versionNo)
                .set(DAG_VERSION.HASH, hash)
                .set(DAG_VERSION.SOURCE, source)
                .set(DAG_VERSION.DEFINITION, org.jooq.JSON.valueOf(DagJson.toJson(dag)))
                .set(DAG_VERSION.CREATED_AT, now)
                .set(DAG_VERSION.BUNDLED, bundle != null)
                .returningResult(DAG_VERSION.ID)
                .fetchOne()
                .value1();
        if (bundle != null && !bundle.files().isEmpty()) {
            var insert = tx.insertInto(
                    DAG_VERSION_FILE,
                    DAG_VERSION_FILE.VERSION_ID,
                    DAG_VERSION_FILE.PATH,
                    DAG_VERSION_FILE.SHA256,
                    DAG_VERSION_FILE.SIZE,
                    DAG_VERSION_FILE.EXECUTABLE);
            for (DagBundle.File f : bundle.files())
                insert = insert.values(versionId, f.path(), f.sha256(), f.size(), f.executable());
            insert.execute();
        }
        return new StoredVersion(versionId, versionNo, true);
    }

    /** Records that the DAG source synced now: while it keeps doing so, its DAGs stay its own. */
    public void touchSource(String sourceId, String folder) {
        OffsetDateTime now = now();
        dsl.insertInto(DAG_SOURCE)
                .set(DAG_SOURCE.SOURCE_ID, sourceId)
                .set(DAG_SOURCE.FOLDER, folder)
                .set(DAG_SOURCE.LAST_SYNCED_AT, now)
                .onConflict(DAG_SOURCE.SOURCE_ID)
                .doUpdate()
                .set(DAG_SOURCE.FOLDER, folder)
                .set(DAG_SOURCE.LAST_SYNCED_AT, now)
                .execute();
    }

    private OffsetDateTime now() {
        return OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC);
    }

    /** The definition of a stored version. Versions never change, so they are cached for the process's life. */
    public Dag version(long versionId) {
        return versionCache.computeIfAbsent(versionId, id -> {
            String json = dsl.select(DAG_VERSION.DEFINITION)
                    .from(DAG_VERSION)
                    .where(DAG_VERSION.ID.eq(id))
                    .fetchOptional()
                    .orElseThrow(() -> new IllegalStateException("no DAG version " + id))
                    .value1()
                    .data();
            return DagJson.fromJson(json);
        });
    }

    /**
     * The files stored with a version (possibly none); empty for a version stored without them (before DAG bundles),
     * whose tasks run against the DAG file's folder on the node.
     */
    public Optional<List<DagBundle.File>> versionFiles(long versionId) {
        Boolean bundled = dsl.select(DAG_VERSION.BUNDLED)
                .from(DAG_VERSION)
                .where(DAG_VERSION.ID.eq(versionId))
                .fetchOne(DAG_VERSION.BUNDLED);
        if (bundled == null || !bundled) return Optional.empty();
        return Optional.of(dsl.select(
                        DAG_VERSION_FILE.PATH,
                        DAG_VERSION_FILE.SHA256,
                        DAG_VERSION_FILE.SIZE,
                        DAG_VERSION_FILE.EXECUTABLE)
                .from(DAG_VERSION_FILE)
                .where(DAG_VERSION_FILE.VERSION_ID.eq(versionId))
                .orderBy(DAG_VERSION_FILE.PATH)
                .fetch(r -> new DagBundle.File(r.value1(), r.value2(), r.value3(), r.value4())));
    }

    private static String sha256(String text) {
        try {
            return java.util.HexFormat.of()
                    .formatHex(java.security.MessageDigest.getInstance("SHA-256")
                            .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public Optional<Long> latestVersionId(String dagId) {
        return dsl.select(DAG.LATEST_VERSION_ID)
                .from(DAG)
                .where(DAG.DAG_ID.eq(dagId))
                .fetchOptional()
                .map(r -> r.value1());
    }

    public Optional<String> filePath(String dagId) {
        return dsl.select(DAG.FILE_PATH)
                .from(DAG)
                .where(DAG.DAG_ID.eq(dagId))
                .fetchOptional()
                .map(r -> r.value1());
    }

    /** Pauses or unpauses a DAG; false when there is no such DAG. A paused DAG creates no scheduled runs. */
    public boolean setPaused(String dagId, boolean paused) {
        return dsl.update(DAG)
                        .set(DAG.IS_PAUSED, paused)
                        .set(DAG.UPDATED_AT, OffsetDateTime.now(clock))
                        .where(DAG.DAG_ID.eq(dagId))
                        .execute()
                == 1;
    }

    public boolean isPaused(String dagId) {
        return dsl.select(DAG.IS_PAUSED)
                .from(DAG)
                .where(DAG.DAG_ID.eq(dagId))
                .fetchOptional()
                .map(r -> r.value1())
                .orElse(false);
    }

    /** DAG ids last loaded from these files. */
    public List<String> idsDefinedIn(Collection<String> files) {
        if (files.isEmpty()) return List.of();
        return dsl.select(DAG.DAG_ID).from(DAG).where(DAG.FILE_PATH.in(files)).fetch(DAG.DAG_ID);
    }

    /**
     * Marks the source's DAGs that it no longer loads ({@code present} are the ones it does) as inactive; their
     * history stays. DAGs of other sources are not touched. DAGs stored before owners were recorded count as the
     * source's when their file lies under one of {@code folders}.
     */
    public List<String> retireMissing(String sourceId, Collection<String> folders, Collection<String> present) {
        Condition legacy = DSL.falseCondition();
        for (String folder : folders) {
            String prefix = folder.endsWith("/") ? folder : folder + "/";
            legacy = legacy.or(DSL.left(DAG.FILE_PATH, prefix.length()).eq(prefix));
        }
        // One array parameter, not one bind per DAG, and an anti-join PostgreSQL can hash rather than comparing
        // each row with every present id: the folder sync sends this every few seconds with a thousand ids.
        var ids = DSL.unnest(present.toArray(String[]::new)).as("present", "id");
        Condition absent = DSL.notExists(DSL.selectOne()
                .from(ids)
                .where(DSL.field(DSL.name("present", "id"), String.class).eq(DAG.DAG_ID)));
        return dsl.update(DAG)
                .set(DAG.IS_ACTIVE, false)
                .set(DAG.UPDATED_AT, now())
                .where(DAG.IS_ACTIVE.isTrue(), absent)
                .and(DAG.SOURCE_ID.eq(sourceId).or(DAG.SOURCE_ID.isNull().and(legacy)))
                .returningResult(DAG.DAG_ID)
                .fetch(DAG.DAG_ID);
    }

    /**
     * The source's active DAGs and the version each has as its latest: what a folder sync compares with what it
     * stored before, so that an unchanged file costs no write.
     */
    public Map<String, Long> activeVersionsOf(String sourceId) {
        Map<String, Long> out = new java.util.HashMap<>();
        dsl.select(DAG.DAG_ID, DAG.LATEST_VERSION_ID)
                .from(DAG)
                .where(DAG.SOURCE_ID.eq(sourceId), DAG.IS_ACTIVE.isTrue(), DAG.LATEST_VERSION_ID.isNotNull())
                .forEach(r -> out.put(r.value1(), r.value2()));
        return out;
    }

    /** Replaces the source's import errors (and any recorded before sources were), keeping other sources'. */
    public void replaceImportErrors(String sourceId, Map<String, List<String>> errorsByFile) {
        dsl.transaction(cfg -> {
            DSLContext tx = DSL.using(cfg);
            tx.deleteFrom(IMPORT_ERROR)
                    .where(IMPORT_ERROR.SOURCE_ID.eq(sourceId).or(IMPORT_ERROR.SOURCE_ID.isNull()))
                    .execute();
            var now = OffsetDateTime.now(clock);
            for (var e : errorsByFile.entrySet()) {
                tx.insertInto(IMPORT_ERROR)
                        .set(IMPORT_ERROR.FILE_PATH, e.getKey())
                        .set(IMPORT_ERROR.ERRORS, Json.jsonb(e.getValue()))
                        .set(IMPORT_ERROR.CREATED_AT, now)
                        .set(IMPORT_ERROR.SOURCE_ID, sourceId)
                        .onConflict(IMPORT_ERROR.FILE_PATH)
                        .doUpdate()
                        .set(IMPORT_ERROR.ERRORS, Json.jsonb(e.getValue()))
                        .set(IMPORT_ERROR.CREATED_AT, now)
                        .set(IMPORT_ERROR.SOURCE_ID, sourceId)
                        .execute();
            }
        });
    }

    public Map<String, List<String>> importErrors() {
        Map<String, List<String>> out = new java.util.TreeMap<>();
        for (var r :
                dsl.selectFrom(IMPORT_ERROR).orderBy(IMPORT_ERROR.FILE_PATH).fetch()) {
            try {
                out.put(
                        r.getFilePath(),
                        List.of(Json.MAPPER.readValue(r.getErrors().data(), String[].class)));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        return out;
    }
}
