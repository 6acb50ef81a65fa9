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
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GridPerformanceTest {
    static final int RUNS = 10_000;
    static final int TASKS = 50;
    static final double BUDGET_MS = 1000;
    private UiServer server;
    private Browser browser;

    @BeforeAll
    void start() throws Exception {
        browser = new Browser();
        server = UiServer.start(Map.of("perf_50.yaml", perfDag()));
        long t0 = System.nanoTime();
        bulkInsert(server.app.db.dsl());
        System.out.printf(
                "bulk insert of %d runs x %d tasks: %d ms%n", RUNS, TASKS, (System.nanoTime() - t0) / 1_000_000);
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
