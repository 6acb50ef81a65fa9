package dev.sluice.server.ui;

import static dev.sluice.db.jooq.Tables.DAG;
import static dev.sluice.db.jooq.Tables.DAG_RUN;
import static dev.sluice.db.jooq.Tables.TASK_INSTANCE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.select;
import static org.jooq.impl.DSL.table;
import static org.jooq.impl.DSL.val;

import com.microsoft.playwright.Page;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * With 10,000 runs of a 50-task DAG stored, the DAG page's grid paints in under a second. The figure is the
 * "grid-painted" performance mark (js/pages/grid.js), i.e. from the start of navigation (HTML, scripts,
 * /auth/me, /dags/ID, /dags/ID/grid) to the frame after the cells are in the DOM. See BENCHMARKS.md, section 3.
 * In the same database, a DAG with a task mapped over 10,000 items: its grid, with a run of 10,000 instances in
 * the first page of runs, and that task's page (counts by state, the first page of instances) paint in under a
 * second too (BENCHMARKS.md §1(c)).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GridPerformanceTest {
    static final int RUNS = 10_000;
    static final int TASKS = 50;
    static final double BUDGET_MS = 1000;
    static final int MAPPED = 10_000;
    /** Runs of the mapped DAG besides the big one, each with a small expansion of {@link #SMALL} instances. */
    static final int MAPPED_RUNS = 1_000;

    static final int SMALL = 3;
    static final String MAPPED_DAG = """
            id: map_10k
            description: a list, a task mapped over it, a reduce
            tasks:
              - { id: list, type: noop }
              - id: each
                type: noop
                depends_on: [list]
                expand: { file: "{{ tasks.list.output.files }}" }
              - { id: reduce, type: noop, depends_on: [each] }
            """;
    static final String BIG_RUN = "mapped_10000";

    private UiServer server;
    private Browser browser;

    @BeforeAll
    void start() throws Exception {
        browser = new Browser();
        server = UiServer.start(Map.of("perf_50.yaml", perfDag(), "map_10k.yaml", MAPPED_DAG));
        long t0 = System.nanoTime();
        bulkInsert(server.app.db.dsl());
        System.out.printf(
                "bulk insert of %d runs x %d tasks: %d ms%n", RUNS, TASKS, (System.nanoTime() - t0) / 1_000_000);
        t0 = System.nanoTime();
        bulkInsertMapped(server.app.db.dsl());
        System.out.printf(
                "bulk insert of %d mapped runs and one of %d instances: %d ms%n",
                MAPPED_RUNS, MAPPED, (System.nanoTime() - t0) / 1_000_000);
    }

    @AfterAll
    void stop() {
        if (browser != null) browser.close();
        if (server != null) server.close();
    }

    static String perfDag() {
        StringBuilder y = new StringBuilder("id: perf_50\ndescription: 50 tasks in ten waves of five\ntasks:\n");
        for (int i = 0; i < TASKS; i++) {
            y.append("  - id: t").append(String.format("%02d", i)).append("\n    type: noop\n");
            if (i >= 5)
                y.append("    depends_on: [t")
                        .append(String.format("%02d", i - 5))
                        .append("]\n");
        }
        return y.toString();
    }

    /** Two insert-selects over generate_series: 10,000 runs, then 50 task instances per run. */
    static void bulkInsert(DSLContext dsl) {
        Long versionId = dsl.select(DAG.LATEST_VERSION_ID)
                .from(DAG)
                .where(DAG.DAG_ID.eq("perf_50"))
                .fetchOne(DAG.LATEST_VERSION_ID);
        assertThat(versionId).as("perf_50 was loaded from the DAG folder").isNotNull();
        Field<Integer> n = field("g.n", Integer.class);
        Field<OffsetDateTime> logical =
                field("timestamptz '2020-01-01 00:00:00+00' + {0} * interval '1 hour'", OffsetDateTime.class, n);
        Field<OffsetDateTime> ended = field(
                "timestamptz '2020-01-01 00:00:00+00' + {0} * interval '1 hour' + interval '7 minutes'",
                OffsetDateTime.class, n);
        // One run in 17 failed (task t40 failed, the ones after it upstream_failed).
        Field<String> runState = field("case when {0} % 17 = 0 then 'failed' else 'success' end", String.class, n);
        dsl.insertInto(
                        DAG_RUN,
                        DAG_RUN.DAG_ID,
                        DAG_RUN.RUN_ID,
                        DAG_RUN.DAG_VERSION_ID,
                        DAG_RUN.STATE,
                        DAG_RUN.RUN_TYPE,
                        DAG_RUN.LOGICAL_DATE,
                        DAG_RUN.QUEUED_AT,
                        DAG_RUN.STARTED_AT,
                        DAG_RUN.ENDED_AT)
                .select(select(
                                val("perf_50"),
                                field("'bulk_' || lpad({0}::text, 5, '0')", String.class, n),
                                val(versionId),
                                runState,
                                inline("scheduled"),
                                logical,
                                logical,
                                logical,
                                ended)
                        .from(table("generate_series(1, {0}) as g(n)", val(RUNS))))
                .execute();

        List<String> ids = new ArrayList<>();
        IntStream.range(0, TASKS).forEach(i -> ids.add(String.format("t%02d", i)));
        Field<String> taskId = field("t.task_id", String.class);
        Field<Long> ord = field("t.i", Long.class);
        Field<String> tiState = field(
                "case when {0} = 'success' or {1} < 41 then 'success' when {1} = 41 then 'failed' else 'upstream_failed' end",
                String.class, DAG_RUN.STATE, ord);
        dsl.insertInto(
                        TASK_INSTANCE,
                        TASK_INSTANCE.RUN_ID,
                        TASK_INSTANCE.DAG_ID,
                        TASK_INSTANCE.TASK_ID,
                        TASK_INSTANCE.STATE,
                        TASK_INSTANCE.TRY_NUMBER,
                        TASK_INSTANCE.MAX_TRIES,
                        TASK_INSTANCE.STARTED_AT,
                        TASK_INSTANCE.ENDED_AT)
                .select(select(
                                DAG_RUN.ID,
                                DAG_RUN.DAG_ID,
                                taskId,
                                tiState,
                                inline(1),
                                inline(1),
                                DAG_RUN.STARTED_AT,
                                DAG_RUN.ENDED_AT)
                        .from(
                                DAG_RUN,
                                table(
                                        "unnest({0}::text[]) with ordinality as t(task_id, i)",
                                        val(ids.toArray(new String[0]))))
                        .where(DAG_RUN.DAG_ID.eq("perf_50")))
                .execute();
        dsl.execute("analyze dag_run");
        dsl.execute("analyze task_instance");
        assertThat(dsl.fetchCount(TASK_INSTANCE, TASK_INSTANCE.DAG_ID.eq("perf_50")))
                .isEqualTo(RUNS * TASKS);
    }

    /**
     * The rows the engine leaves behind for map_10k: per run, {@code list} and {@code reduce} as plain rows
     * (map_index -1) and {@code each} expanded into instances 0..N-1 with their items (TaskInstanceRepository's
     * expansion turns the task's row into instance 0 and inserts the others; map_limit stays null without
     * max_active_instances). 1,000 finished runs of 3 instances, then the latest run, failed, whose 10,000
     * instances are in mixed states: every 50th failed after its second attempt, every 40th (of the rest) skipped, the rest success.
     */
    static void bulkInsertMapped(DSLContext dsl) {
        Long versionId = dsl.select(DAG.LATEST_VERSION_ID)
                .from(DAG)
                .where(DAG.DAG_ID.eq("map_10k"))
                .fetchOne(DAG.LATEST_VERSION_ID);
        assertThat(versionId).as("map_10k was loaded from the DAG folder").isNotNull();
        dsl.execute("""
                insert into dag_run (dag_id, run_id, dag_version_id, state, run_type, logical_date, queued_at,
                                     started_at, ended_at)
                select 'map_10k', 'bulk_map_' || lpad(g.n::text, 5, '0'), ?, 'success', 'scheduled', d, d, d,
                       d + interval '3 minutes'
                from generate_series(1, ?) g(n), lateral (select timestamptz '2021-01-01 00:00:00+00'
                                                                  + g.n * interval '1 hour' as d) x
                union all
                select 'map_10k', ?, ?, 'failed', 'manual', timestamptz '2030-01-01 00:00:00+00',
                       timestamptz '2030-01-01 00:00:00+00', timestamptz '2030-01-01 00:00:00+00',
                       timestamptz '2030-01-01 00:20:00+00'""", versionId, MAPPED_RUNS, BIG_RUN, versionId);
        // list and reduce: one row each per run; reduce upstream_failed in the failed run.
        dsl.execute("""
                insert into task_instance (run_id, dag_id, task_id, state, try_number, max_tries, started_at, ended_at)
                select r.id, r.dag_id, t.task_id,
                       case when t.task_id = 'reduce' and r.state = 'failed' then 'upstream_failed' else 'success' end,
                       case when t.task_id = 'reduce' and r.state = 'failed' then 0 else 1 end, 2,
                       r.started_at, r.ended_at
                from dag_run r, unnest(array['list', 'reduce']) t(task_id)
                where r.dag_id = 'map_10k'""");
        dsl.execute("""
                insert into task_instance (run_id, dag_id, task_id, state, try_number, max_tries, started_at, ended_at,
                                           map_index, map_item)
                select r.id, r.dag_id, 'each', s.state,
                       case s.state when 'failed' then 2 when 'skipped' then 0 else 1 end, 2,
                       case when s.state <> 'skipped' then r.started_at + i * interval '100 ms' end,
                       case when s.state <> 'skipped' then r.started_at + i * interval '100 ms' + interval '40 ms' end,
                       i, to_jsonb('s3://bucket/in/part-' || lpad(i::text, 5, '0') || '.parquet')
                from dag_run r
                cross join lateral generate_series(0, case when r.run_id = ? then ? else ? end - 1) i
                cross join lateral (select case when r.run_id <> ? then 'success' when i % 50 = 7 then 'failed'
                                                when i % 40 = 3 then 'skipped' else 'success' end as state) s
                where r.dag_id = 'map_10k'""", BIG_RUN, MAPPED, SMALL, BIG_RUN);
        dsl.execute("analyze dag_run");
        dsl.execute("analyze task_instance");
        assertThat(dsl.fetchCount(
                        TASK_INSTANCE,
                        TASK_INSTANCE.DAG_ID.eq("map_10k"),
                        TASK_INSTANCE.TASK_ID.eq("each"),
                        TASK_INSTANCE.MAP_INDEX.ge(0)))
                .isEqualTo(MAPPED + MAPPED_RUNS * SMALL);
    }

    @Test
    void gridAndTaskPageOfA10000InstanceMappedTaskPaintInUnderASecond() throws Exception {
        Page page = Browser.signIn(browser.newPage(), server.base(), "viewer");
        List<Double> gridPaints = new ArrayList<>(), gridApi = new ArrayList<>();
        List<Double> taskPaints = new ArrayList<>(), taskApi = new ArrayList<>(), instancesApi = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            page.navigate("about:blank");
            page.navigate(server.base() + "/ui/#/dags/map_10k/grid");
            page.locator("body[data-grid-painted]").waitFor();
            gridPaints.add(((Number) page.evaluate("() => performance.getEntriesByName('grid-painted')[0].startTime"))
                    .doubleValue());
            gridApi.add(resource(page, "/grid?"));
            var big = page.locator("#grid button.cell.mapped[data-task=each][data-run=" + BIG_RUN + "]");
            assertThat(big.getAttribute("data-map-count")).isEqualTo(String.valueOf(MAPPED));
            assertThat(big.getAttribute("data-state")).isEqualTo("failed");
            assertThat(page.locator("#grid button.cell.mapped[data-task=each]").count())
                    .as("one cell per run for the mapped task, one page of runs")
                    .isEqualTo(25);

            page.navigate("about:blank");
            page.navigate(server.base() + "/ui/#/dags/map_10k/runs/" + BIG_RUN + "/tasks/each");
            // The task page sets no performance mark: the frame after the first instance rows are in the DOM,
            // found by checking at every animation frame, so the figure is at most one frame late.
            taskPaints.add(((Number) page.evaluate("""
                            () => new Promise((done) => {
                              const check = () => document.querySelector('#instances tbody tr')
                                ? requestAnimationFrame(() => done(performance.now()))
                                : requestAnimationFrame(check);
                              check();
                            })""")).doubleValue());
            taskApi.add(resource(page, "/tasks/each"));
            instancesApi.add(resource(page, "/tasks/each/instances?"));
            assertThat(page.locator("#instances tbody tr").count())
                    .as("the first page of instances, never all")
                    .isEqualTo(100);
            assertThat(page.locator("#mapped-counts").getAttribute("data-map-count"))
                    .isEqualTo(String.valueOf(MAPPED));
            assertThat(page.locator("#mapped-counts").textContent())
                    .isEqualTo("10000: 200 failed, 9550 success, 250 skipped");
        }
        Browser.screenshot(page, "17-mapped-task-10000-instances");
        double gridMedian = warmMedian(gridPaints), taskMedian = warmMedian(taskPaints);
        String report = String.format(
                "mapped task of %d instances (+ %d runs of %d), grid: first=%.0f ms; next 5: median=%.0f ms all=%s; grid API %s ms%n"
                        + "mapped task page (first 100 instances): first=%.0f ms; next 5: median=%.0f ms all=%s;"
                        + " task API %s ms; instances API %s ms; loadavg %s; cores %d%n",
                MAPPED,
                MAPPED_RUNS,
                SMALL,
                gridPaints.get(0),
                gridMedian,
                rounded(gridPaints.subList(1, gridPaints.size())),
                rounded(gridApi),
                taskPaints.get(0),
                taskMedian,
                rounded(taskPaints.subList(1, taskPaints.size())),
                rounded(taskApi),
                rounded(instancesApi),
                loadAverage(),
                Runtime.getRuntime().availableProcessors());
        System.out.print("mapped first paint: " + report);
        Path out = Path.of("target", "benchmarks", "ui-grid-mapped.txt");
        Files.createDirectories(out.getParent());
        Files.writeString(out, report);
        // As for the plain grid: the median of the five loads after the first is asserted, the first reported.
        assertThat(gridMedian)
                .as("median first paint of the mapped DAG's grid, ms")
                .isLessThan(BUDGET_MS);
        assertThat(taskMedian)
                .as("median first paint of the mapped task's page, ms")
                .isLessThan(BUDGET_MS);
        assertThat(browser.pageErrors).isEmpty();
    }

    /** How long the first request whose address contains {@code part} took, ms (resource timing). */
    private static double resource(Page page, String part) {
        return ((Number) page.evaluate(
                        "(part) => performance.getEntriesByType('resource').filter((e) => e.name.includes(part))[0].duration",
                        part))
                .doubleValue();
    }

    private static double warmMedian(List<Double> paints) {
        List<Double> warm = paints.subList(1, paints.size()).stream().sorted().toList();
        return warm.get(warm.size() / 2);
    }

    private static List<String> rounded(List<Double> xs) {
        return xs.stream().map(d -> String.format("%.0f", d)).toList();
    }

    private static String loadAverage() throws java.io.IOException {
        return Files.exists(Path.of("/proc/loadavg"))
                ? Files.readString(Path.of("/proc/loadavg")).trim()
                : "n/a";
    }

    @Test
    void gridOfA50TaskDagWith10000RunsPaintsInUnderASecond() throws Exception {
        Page page = Browser.signIn(browser.newPage(), server.base(), "viewer");
        List<Double> paints = new ArrayList<>();
        List<Double> gridApi = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            page.navigate("about:blank");
            page.navigate(server.base() + "/ui/#/dags/perf_50/grid");
            page.locator("body[data-grid-painted]").waitFor();
            paints.add(((Number) page.evaluate("() => performance.getEntriesByName('grid-painted')[0].startTime"))
                    .doubleValue());
            if (i == 0) timeline(page, "ui-grid-timeline-cold.txt");
            gridApi.add(((Number)
                            page.evaluate(
                                    "() => performance.getEntriesByType('resource').filter((e) => e.name.includes('/grid?'))[0].duration"))
                    .doubleValue());
            assertThat(page.locator("table#grid tbody tr").count())
                    .as("one row per task")
                    .isEqualTo(TASKS);
            assertThat(page.locator("table#grid thead a.runhead").count())
                    .as("one page of runs, never all")
                    .isEqualTo(25);
        }
        timeline(page, "ui-grid-timeline-warm.txt");
        Browser.screenshot(page, "16-grid-10000-runs");
        List<Double> warm = paints.subList(1, paints.size()).stream().sorted().toList();
        double median = warm.get(warm.size() / 2);
        String load = Files.exists(Path.of("/proc/loadavg"))
                ? Files.readString(Path.of("/proc/loadavg")).trim()
                : "n/a";
        String report = String.format(
                "runs=%d tasks=%d first (fresh server JVM)=%.0f ms; next 5: median=%.0f ms max=%.0f ms all=%s; grid API %s ms; loadavg %s; cores %d%n",
                RUNS,
                TASKS,
                paints.get(0),
                median,
                warm.get(warm.size() - 1),
                paints.subList(1, paints.size()).stream()
                        .map(d -> String.format("%.0f", d))
                        .toList(),
                gridApi.stream().map(d -> String.format("%.0f", d)).toList(),
                load,
                Runtime.getRuntime().availableProcessors());
        System.out.print("grid first paint: " + report);
        Path out = Path.of("target", "benchmarks", "ui-grid.txt");
        Files.createDirectories(out.getParent());
        Files.writeString(out, report);
        // The budget holds for the median of five page loads after the first one. The very first load also pays
        // for the server's JIT and PostgreSQL's cold cache, and on a shared 2-core machine single loads vary with
        // whatever else runs, so that figure is reported (BENCHMARKS.md, section 3) rather than asserted.
        assertThat(median).as("median first paint of the grid, ms").isLessThan(BUDGET_MS);
        assertThat(browser.pageErrors).isEmpty();
    }

    /** Where the time of a load went: each resource's start-end (ms from navigation) and the page's marks. */
    @SuppressWarnings("unchecked")
    private static void timeline(Page page, String file) throws java.io.IOException {
        Object lines = page.evaluate(
                "() => performance.getEntriesByType('resource').map((e) => `${e.startTime.toFixed(0)}-${e.responseEnd.toFixed(0)} ${e.name.replace(location.origin, '')}`)"
                        + ".concat(performance.getEntriesByType('mark').map((m) => `${m.startTime.toFixed(0)} mark ${m.name}`))");
        Path out = Path.of("target", "benchmarks", file);
        Files.createDirectories(out.getParent());
        Files.writeString(out, String.join("\n", (List<String>) lines) + "\n");
    }
}
