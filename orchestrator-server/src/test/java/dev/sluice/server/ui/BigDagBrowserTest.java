package dev.sluice.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Page;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A DAG of more tasks than the grid draws at once (GRID_ROWS, 500) and than the graph lays out (GRAPH_LIMIT, 2,000):
 * the grid shows its rows a slice at a time, the graph page lists the tasks with their states instead of drawing a
 * canvas that would not finish (scripts/bench-ui-bigdag measured both at 10,000 tasks; BENCHMARKS.md §1(d)).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BigDagBrowserTest {
    static final int TASKS = 2_100;

    private UiServer server;
    private Browser browser;

    @BeforeAll
    void start() throws Exception {
        StringBuilder yaml = new StringBuilder("id: wide_2100\ntasks:\n");
        for (int i = 0; i < TASKS; i++) {
            yaml.append("  - id: t").append(i).append("\n    type: noop\n");
            if (i > 0) yaml.append("    depends_on: [t").append((i - 1) / 2).append("]\n");
        }
        browser = new Browser();
        server = UiServer.start(Map.of("wide_2100.yaml", yaml.toString()));
        server.app
                .engine
                .runs()
                .createRun(
                        "wide_2100",
                        "manual",
                        Instant.parse("2026-01-01T00:00:00Z"),
                        null,
                        null,
                        Map.of(),
                        "test",
                        "_test.nobody");
    }

    @AfterAll
    void stop() {
        if (browser != null) browser.close();
        if (server != null) server.close();
    }

    @Test
    void the_grid_shows_the_rows_a_slice_at_a_time_and_the_graph_lists_the_tasks() {
        Page page = Browser.signIn(browser.newPage(), server.base(), "viewer");
        page.navigate(server.base() + "/ui/#/dags/wide_2100/grid");
        page.locator("body[data-grid-painted]").waitFor();
        assertThat(page.locator("table#grid tbody tr").count()).isEqualTo(500);
        assertThat(page.locator("#grid-rows").textContent()).contains("tasks 1–500 of 2100");
        assertThat(page.locator("table#grid tbody tr th").first().textContent()).isEqualTo("t0");
        page.locator("#grid-rows [data-rows='1']").click();
        page.locator("#grid-rows[data-from='500']").waitFor();
        assertThat(page.locator("table#grid tbody tr th").first().textContent()).isEqualTo("t500");
        assertThat(page.locator("table#grid tbody tr").count()).isEqualTo(500);
        // the last slice holds the rest
        for (int i = 0; i < 3; i++) page.locator("#grid-rows [data-rows='1']").click();
        page.locator("#grid-rows[data-from='2000']").waitFor();
        assertThat(page.locator("table#grid tbody tr").count()).isEqualTo(100);
        assertThat(page.locator("#grid-rows [data-rows='1']").isDisabled()).isTrue();

        page.navigate(server.base() + "/ui/#/dags/wide_2100/graph");
        page.locator("#graph[data-too-large]").waitFor();
        assertThat(page.locator("#graph-too-large").textContent()).contains("2,100 tasks are too many");
        page.locator("#graph-list li").first().waitFor();
        assertThat(page.locator("#graph-list li").count()).isEqualTo(TASKS);
        assertThat(browser.pageErrors).isEmpty();
    }
}
