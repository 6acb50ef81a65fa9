package dev.sluice.server.ui;

import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Issue 12's "one DAG of 10,000 tasks: the grid and graph stay usable", measured: a standalone server with one DAG
 * of {@code -Dtasks=N} tasks (10,000 by default: a grid of rows of 100, each task after the one before it in its row
 * and the one above it, as {@code bench-engine bigdag}) and 25 runs of it (a grid page) whose tasks wait on a queue
 * nobody serves;
 * a browser opens the DAG's grid, then its graph, three times each, and prints how long each took to paint (the
 * grid's {@code grid-painted} mark; the graph's canvas with its nodes listed) or that it did not within the limit.
 * Run by {@code scripts/bench-ui-bigdag}; the results are in BENCHMARKS.md §1(d).
 */
public final class BigDagUiBenchmark {
    public static void main(String[] args) throws Exception {
        int n = Integer.getInteger("tasks", 10_000);
        double limitMs = Double.parseDouble(System.getProperty("limit.ms", "60000"));
        StringBuilder yaml = new StringBuilder("id: big\nmax_active_tasks: 64\ntasks:\n");
        for (int i = 0; i < n; i++) {
            yaml.append("  - id: t").append(i).append("\n    type: noop\n");
            if (i % 100 != 0 && i >= 100)
                yaml.append("    depends_on: [t")
                        .append(i - 1)
                        .append(", t")
                        .append(i - 100)
                        .append("]\n");
            else if (i % 100 != 0)
                yaml.append("    depends_on: [t").append(i - 1).append("]\n");
            else if (i >= 100) yaml.append("    depends_on: [t").append(i - 100).append("]\n");
        }
        try (UiServer server = UiServer.start(Map.of("big.yaml", yaml.toString()));
                Browser browser = new Browser()) {
            // a grid page's worth of runs (25), their tasks on a queue nobody serves: they stay as created
            int runs = Integer.getInteger("runs", 25);
            long t0 = System.nanoTime();
            for (int r = 0; r < runs; r++)
                server.app
                        .engine
                        .runs()
                        .createRun(
                                "big",
                                "manual",
                                Instant.parse("2026-01-01T00:00:00Z").plusSeconds(r),
                                null,
                                null,
                                Map.of(),
                                "bench",
                                "_bench.nobody");
            System.out.printf(
                    "one DAG of %,d tasks; %d runs created in %d ms%n", n, runs, (System.nanoTime() - t0) / 1_000_000);
            Page page = Browser.signIn(browser.newPage(), server.base(), "viewer");
            page.setDefaultTimeout(limitMs);
            for (int i = 0; i < 3; i++) {
                page.navigate("about:blank");
                long g0 = System.nanoTime();
                page.navigate(server.base() + "/ui/#/dags/big/grid");
                String grid;
                try {
                    page.locator("body[data-grid-painted]").waitFor();
                    double painted = ((Number)
                                    page.evaluate("() => performance.getEntriesByName('grid-painted')[0].startTime"))
                            .doubleValue();
                    grid = String.format(
                            "painted at %.0f ms, %d rows, %d cells",
                            painted,
                            page.locator("table#grid tbody tr").count(),
                            page.locator("table#grid button.cell").count());
                } catch (RuntimeException e) {
                    grid = String.format(
                            "not painted after %.0f ms (%s)",
                            (System.nanoTime() - g0) / 1e6, e.getClass().getSimpleName());
                }
                page.navigate("about:blank");
                long p0 = System.nanoTime();
                page.navigate(server.base() + "/ui/#/dags/big/graph");
                String graph;
                try {
                    Locator box = page.locator("#graph[data-nodes]");
                    box.waitFor();
                    page.locator("#graph-list li").first().waitFor();
                    String tooLarge = box.getAttribute("data-too-large");
                    graph = String.format(
                            "%s after %.0f ms (navigation to the page with its task list), %d tasks listed",
                            tooLarge != null
                                    ? "not laid out (" + tooLarge + " nodes over the limit), list shown"
                                    : "drawn (" + box.getAttribute("data-nodes").split(" ").length + " nodes)",
                            (System.nanoTime() - p0) / 1e6,
                            page.locator("#graph-list li").count());
                } catch (RuntimeException e) {
                    graph = String.format(
                            "not drawn after %.0f ms (%s)",
                            (System.nanoTime() - p0) / 1e6, e.getClass().getSimpleName());
                }
                System.out.printf("round %d: grid %s; graph %s%n", i + 1, grid, graph);
            }
            List<String> errors = browser.pageErrors;
            if (!errors.isEmpty()) System.out.println("page errors: " + errors);
        }
        System.exit(0);
    }
}
