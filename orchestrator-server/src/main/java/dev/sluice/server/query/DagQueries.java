package dev.sluice.server.query;

import static dev.sluice.db.jooq.Tables.DAG;
import static dev.sluice.db.jooq.Tables.DAG_RUN;
import static dev.sluice.db.jooq.Tables.DAG_VERSION;
import static dev.sluice.db.jooq.Tables.IMPORT_ERROR;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.sluice.dag.Dag;
import dev.sluice.server.http.Cursor;
import dev.sluice.server.http.Page;
import dev.sluice.store.DagRepository;
import dev.sluice.store.Json;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.impl.DSL;

/** Read side of DAGs: the list with its recent-run strip, details, sources, versions and import errors. */
public final class DagQueries {
    static final int STRIP = 10;

    private final DSLContext dsl;
    private final DagRepository dags;
    private final Clock clock;

    public DagQueries(DSLContext dsl, DagRepository dags, Clock clock) {
        this.dsl = dsl;
        this.dags = dags;
        this.clock = clock;
    }

    public record RecentRun(String runId, String state, Instant logicalDate) {}

    public record DagSummary(
            String dagId,
            String description,
            String schedule,
            String scheduleDescription,
            String timezone,
            boolean isPaused,
            boolean isActive,
            List<String> tags,
            Instant nextRunAt,
            Integer latestVersion,
            List<RecentRun> recentRuns) {}

    /** A declared param, for the trigger form: null minimum, maximum and enum mean "not declared". */
    public record ParamView(
            String type,
            @JsonProperty("default") Object defaultValue,
            String description,
            Number minimum,
            Number maximum,
            @JsonProperty("enum") List<Object> enumValues) {}

    /** {@code branch}: the task chooses which direct downstream tasks run; {@code group}: its task group, or null. */
    public record TaskView(
            String taskId,
            String type,
            List<String> dependsOn,
            String triggerRule,
            int retries,
            java.time.Duration timeout,
            String pool,
            boolean branch,
            String group) {}

    public record DagDetail(
            String dagId,
            String description,
            String schedule,
            String scheduleDescription,
            String timezone,
            boolean isPaused,
            boolean isActive,
            List<String> tags,
            Instant nextRunAt,
            Integer latestVersion,
            List<RecentRun> recentRuns,
            Map<String, ParamView> params,
            List<TaskView> tasks,
            int maxActiveRuns,
            int maxActiveTasks,
            boolean catchup,
            LocalDate startDate,
            String filePath,
            dev.sluice.dag.AssetSchedule scheduleOnAssets) {}

    public record DagSource(int version, String source, Instant createdAt) {}

    public record DagVersion(int version, String hash, Instant createdAt) {}

    public record ImportError(String file, List<String> errors, Instant createdAt) {}

    /** Two queries per page: the DAGs, then the last runs of all of them through one lateral join. */
    public Page<DagSummary> list(String tag, String q, int limit, String cursor) {
        Condition cond = DSL.noCondition();
        if (tag != null)
            cond = cond.and(DSL.condition("{0} @> {1}::jsonb", DAG.TAGS, DSL.val(Json.write(List.of(tag)))));
        if (q != null) cond = cond.and(DAG.DAG_ID.containsIgnoreCase(q).or(DAG.DESCRIPTION.containsIgnoreCase(q)));
        if (cursor != null) cond = cond.and(DAG.DAG_ID.gt(Cursor.stringKey(cursor)));
        var rows = dsl.select(DAG.asterisk(), DAG_VERSION.VERSION_NO)
                .from(DAG)
                .leftJoin(DAG_VERSION)
                .on(DAG_VERSION.ID.eq(DAG.LATEST_VERSION_ID))
                .where(cond)
                .orderBy(DAG.DAG_ID)
                .limit(limit + 1)
                .fetch();
        var page = rows.subList(0, Math.min(limit, rows.size()));
        Map<String, List<RecentRun>> strips =
                recentRuns(page.stream().map(r -> r.get(DAG.DAG_ID)).toList());
        List<DagSummary> items = page.stream()
                .map(r -> summary(r, strips.getOrDefault(r.get(DAG.DAG_ID), List.of())))
                .toList();
        return new Page<>(
                items, rows.size() > limit ? Cursor.of(page.get(limit - 1).get(DAG.DAG_ID)) : null);
    }

    private Map<String, List<RecentRun>> recentRuns(List<String> dagIds) {
        Map<String, List<RecentRun>> out = new HashMap<>();
        if (dagIds.isEmpty()) return out;
        var r = DSL.lateral(DSL.select(DAG_RUN.RUN_ID, DAG_RUN.STATE, DAG_RUN.LOGICAL_DATE, DAG_RUN.ID)
                        .from(DAG_RUN)
                        .where(DAG_RUN.DAG_ID.eq(DAG.DAG_ID))
                        .orderBy(DAG_RUN.LOGICAL_DATE.desc(), DAG_RUN.ID.desc())
                        .limit(STRIP))
                .as("r");
        dsl.select(DAG.DAG_ID, r.field(DAG_RUN.RUN_ID), r.field(DAG_RUN.STATE), r.field(DAG_RUN.LOGICAL_DATE))
                .from(DAG)
                .crossJoin(r)
                .where(DAG.DAG_ID.in(dagIds))
                .orderBy(
                        DAG.DAG_ID,
                        r.field(DAG_RUN.LOGICAL_DATE).desc(),
                        r.field(DAG_RUN.ID).desc())
                .forEach(x -> out.computeIfAbsent(x.value1(), k -> new ArrayList<>())
                        .add(new RecentRun(x.value2(), x.value3(), x.value4().toInstant())));
        return out;
    }

    private DagSummary summary(Record r, List<RecentRun> strip) {
        boolean paused = r.get(DAG.IS_PAUSED), active = r.get(DAG.IS_ACTIVE);
        return new DagSummary(
                r.get(DAG.DAG_ID),
                r.get(DAG.DESCRIPTION),
                r.get(DAG.SCHEDULE),
                ScheduleText.describe(r.get(DAG.SCHEDULE)),
                r.get(DAG.TIMEZONE),
                paused,
                active,
                tags(r),
                ScheduleText.next(r.get(DAG.SCHEDULE), r.get(DAG.TIMEZONE), paused, active, clock.instant()),
                r.get(DAG_VERSION.VERSION_NO),
                strip);
    }

    @SuppressWarnings("unchecked")
    private static List<String> tags(Record r) {
        try {
            return r.get(DAG.TAGS) == null
                    ? List.of()
                    : List.of(Json.MAPPER.readValue(r.get(DAG.TAGS).data(), String[].class));
        } catch (Exception e) {
            throw new IllegalStateException("bad tags JSON", e);
        }
    }

    public boolean exists(String dagId) {
        return dsl.fetchExists(DAG, DAG.DAG_ID.eq(dagId));
    }

    public void requireExists(String dagId) {
        if (!exists(dagId)) throw new NoSuchElementException("no DAG " + dagId);
    }

    public DagDetail detail(String dagId) {
        var r = dsl.select(DAG.asterisk(), DAG_VERSION.VERSION_NO)
                .from(DAG)
                .leftJoin(DAG_VERSION)
                .on(DAG_VERSION.ID.eq(DAG.LATEST_VERSION_ID))
                .where(DAG.DAG_ID.eq(dagId))
                .fetchOptional()
                .orElseThrow(() -> new NoSuchElementException("no DAG " + dagId));
        DagSummary s = summary(r, recentRuns(List.of(dagId)).getOrDefault(dagId, List.of()));
        Dag dag = dags.version(r.get(DAG.LATEST_VERSION_ID));
        Map<String, ParamView> params = new LinkedHashMap<>();
        dag.params()
                .forEach((name, p) -> params.put(
                        name,
                        new ParamView(
                                p.type().yamlName(),
                                p.defaultValue(),
                                p.description(),
                                p.minimum(),
                                p.maximum(),
                                p.enumValues())));
        List<TaskView> tasks = dag.tasks().stream()
                .map(t -> new TaskView(
                        t.id(),
                        t.type(),
                        t.dependsOn(),
                        t.triggerRule().yamlName(),
                        t.retries(),
                        t.timeout(),
                        t.pool(),
                        t.branch(),
                        t.group()))
                .toList();
        return new DagDetail(
                s.dagId(),
                s.description(),
                s.schedule(),
                s.scheduleDescription(),
                s.timezone(),
                s.isPaused(),
                s.isActive(),
                s.tags(),
                s.nextRunAt(),
                s.latestVersion(),
                s.recentRuns(),
                params,
                tasks,
                dag.maxActiveRuns(),
                dag.maxActiveTasks(),
                dag.catchup(),
                dag.startDate(),
                r.get(DAG.FILE_PATH),
                dag.assetSchedule());
    }

    /** The given version's source, or the latest's. */
    public DagSource source(String dagId, Integer version) {
        var cond = DAG_VERSION.DAG_ID.eq(dagId);
        var query = dsl.select(DAG_VERSION.VERSION_NO, DAG_VERSION.SOURCE, DAG_VERSION.CREATED_AT)
                .from(DAG_VERSION);
        var row = version != null
                ? query.where(cond, DAG_VERSION.VERSION_NO.eq(version)).fetchOptional()
                : query.where(cond)
                        .orderBy(DAG_VERSION.VERSION_NO.desc())
                        .limit(1)
                        .fetchOptional();
        return row.map(x -> new DagSource(x.value1(), x.value2(), x.value3().toInstant()))
                .orElseThrow(() -> new NoSuchElementException(
                        version == null ? "no DAG " + dagId : "DAG " + dagId + " has no version " + version));
    }

    public List<DagVersion> versions(String dagId) {
        requireExists(dagId);
        return dsl.select(DAG_VERSION.VERSION_NO, DAG_VERSION.HASH, DAG_VERSION.CREATED_AT)
                .from(DAG_VERSION)
                .where(DAG_VERSION.DAG_ID.eq(dagId))
                .orderBy(DAG_VERSION.VERSION_NO.desc())
                .fetch(x -> new DagVersion(x.value1(), x.value2(), x.value3().toInstant()));
    }

    public List<ImportError> importErrors() {
        return dsl.selectFrom(IMPORT_ERROR).orderBy(IMPORT_ERROR.FILE_PATH).fetch(r -> {
            try {
                return new ImportError(
                        r.getFilePath(),
                        List.of(Json.MAPPER.readValue(r.getErrors().data(), String[].class)),
                        r.getCreatedAt().toInstant());
            } catch (Exception e) {
                throw new IllegalStateException("bad import_error JSON", e);
            }
        });
    }
}
