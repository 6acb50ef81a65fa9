package dev.sluice.store;

import static dev.sluice.db.jooq.Tables.DAG;
import static dev.sluice.db.jooq.Tables.DAG_VERSION;
import static dev.sluice.db.jooq.Tables.IMPORT_ERROR;

import dev.sluice.dag.Dag;
import dev.sluice.dag.DagJson;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/** DAGs and their versions: each distinct definition is stored once; a run pins the version it started with. */
public final class DagRepository {
    private final DSLContext dsl;
    private final Clock clock;
    private final Map<Long, Dag> versionCache = new ConcurrentHashMap<>();

    public DagRepository(DSLContext dsl, Clock clock) {
        this.dsl = dsl;
        this.clock = clock;
    }

    public record StoredVersion(long versionId, int versionNo, boolean created) {}

    /**
     * Records the DAG and, if its definition is new, a new version; returns the version either way. Safe when
     * two servers load the same folder at once: the unique (dag_id, hash) key decides.
     */
    public StoredVersion save(Dag dag, String filePath, String source) {
        String json = DagJson.toJson(dag);
        String hash = DagJson.sha256(dag);
        OffsetDateTime now = OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC);
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
            tx.select(DAG.DAG_ID).from(DAG).where(DAG.DAG_ID.eq(dag.id())).forUpdate().fetch();
            var existing = tx.select(DAG_VERSION.ID, DAG_VERSION.VERSION_NO).from(DAG_VERSION)
                    .where(DAG_VERSION.DAG_ID.eq(dag.id()), DAG_VERSION.HASH.eq(hash)).fetchOne();
            long versionId;
            int versionNo;
            boolean created = false;
            if (existing != null) {
                versionId = existing.value1();
                versionNo = existing.value2();
                tx.update(DAG_VERSION).set(DAG_VERSION.SOURCE, source).where(DAG_VERSION.ID.eq(versionId)).execute();
            } else {
                Integer max = tx.select(DSL.max(DAG_VERSION.VERSION_NO)).from(DAG_VERSION)
                        .where(DAG_VERSION.DAG_ID.eq(dag.id())).fetchOne().value1();
                versionNo = max == null ? 1 : max + 1;
                versionId = tx.insertInto(DAG_VERSION)
                        .set(DAG_VERSION.DAG_ID, dag.id())
                        .set(DAG_VERSION.VERSION_NO, versionNo)
                        .set(DAG_VERSION.HASH, hash)
                        .set(DAG_VERSION.SOURCE, source)
                        .set(DAG_VERSION.DEFINITION, org.jooq.JSON.valueOf(json))
                        .set(DAG_VERSION.CREATED_AT, now)
                        .returningResult(DAG_VERSION.ID).fetchOne().value1();
                created = true;
            }
            tx.update(DAG).set(DAG.LATEST_VERSION_ID, versionId).where(DAG.DAG_ID.eq(dag.id())).execute();
            return new StoredVersion(versionId, versionNo, created);
        });
    }

    /** The definition of a stored version. Versions never change, so they are cached for the process's life. */
    public Dag version(long versionId) {
        return versionCache.computeIfAbsent(versionId, id -> {
            String json = dsl.select(DAG_VERSION.DEFINITION).from(DAG_VERSION).where(DAG_VERSION.ID.eq(id))
                    .fetchOptional().orElseThrow(() -> new IllegalStateException("no DAG version " + id))
                    .value1().data();
            return DagJson.fromJson(json);
        });
    }

    public Optional<Long> latestVersionId(String dagId) {
        return dsl.select(DAG.LATEST_VERSION_ID).from(DAG).where(DAG.DAG_ID.eq(dagId)).fetchOptional()
                .map(r -> r.value1());
    }

    public Optional<String> filePath(String dagId) {
        return dsl.select(DAG.FILE_PATH).from(DAG).where(DAG.DAG_ID.eq(dagId)).fetchOptional().map(r -> r.value1());
    }

    /** Pauses or unpauses a DAG; false when there is no such DAG. A paused DAG creates no scheduled runs. */
    public boolean setPaused(String dagId, boolean paused) {
        return dsl.update(DAG).set(DAG.IS_PAUSED, paused).set(DAG.UPDATED_AT, OffsetDateTime.now(clock))
                .where(DAG.DAG_ID.eq(dagId)).execute() == 1;
    }

    public boolean isPaused(String dagId) {
        return dsl.select(DAG.IS_PAUSED).from(DAG).where(DAG.DAG_ID.eq(dagId)).fetchOptional()
                .map(r -> r.value1()).orElse(false);
    }

    /** DAG ids last loaded from these files. */
    public List<String> idsDefinedIn(java.util.Collection<String> files) {
        if (files.isEmpty()) return List.of();
        return dsl.select(DAG.DAG_ID).from(DAG).where(DAG.FILE_PATH.in(files)).fetch(DAG.DAG_ID);
    }

    /** Marks DAGs whose files are gone as inactive; their history stays. */
    public void deactivateAllExcept(java.util.Collection<String> present) {
        dsl.update(DAG).set(DAG.IS_ACTIVE, false)
                .where(DAG.DAG_ID.notIn(present), DAG.IS_ACTIVE.isTrue()).execute();
    }

    public void replaceImportErrors(Map<String, List<String>> errorsByFile) {
        dsl.transaction(cfg -> {
            DSLContext tx = DSL.using(cfg);
            tx.deleteFrom(IMPORT_ERROR).execute();
            var now = OffsetDateTime.now(clock);
            for (var e : errorsByFile.entrySet()) {
                tx.insertInto(IMPORT_ERROR)
                        .set(IMPORT_ERROR.FILE_PATH, e.getKey())
                        .set(IMPORT_ERROR.ERRORS, Json.jsonb(e.getValue()))
                        .set(IMPORT_ERROR.CREATED_AT, now)
                        .execute();
            }
        });
    }

    public Map<String, List<String>> importErrors() {
        Map<String, List<String>> out = new java.util.TreeMap<>();
        for (var r : dsl.selectFrom(IMPORT_ERROR).orderBy(IMPORT_ERROR.FILE_PATH).fetch()) {
            try {
                out.put(r.getFilePath(), List.of(Json.MAPPER.readValue(r.getErrors().data(), String[].class)));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        return out;
    }
}
