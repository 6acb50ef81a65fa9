package dev.sluice.server.ui;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.assertions.LocatorAssertions;
import com.microsoft.playwright.options.RequestOptions;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A run and a task that miss their deadlines: the graph page shows a banner and marks the task's row and node live
 * (from the {@code deadline} event), and the task page says so, while the run goes on.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DeadlineBrowserTest {
    static final String DAG = """
            id: ui_deadlines
            deadline: {within: 500ms, from: queued}
            tasks:
              - id: slow
                type: noop
                deadline: {within: 500ms, from: queued}
                config: { duration: 4s }
              - id: relaxed
                type: noop
                deadline: {within: 1h, from: queued}
            """;
    private UiServer server;
    private Browser browser;

    @BeforeAll
    void start() throws Exception {
        browser = new Browser();
        server = UiServer.start(Map.of("ui_deadlines.yaml", DAG));
    }

    @AfterAll
    void stop() {
        if (browser != null) browser.close();
        if (server != null) server.close();
    }

    @Test
    void missed_deadlines_are_marked_on_the_run_graph_and_the_task_page() throws Exception {
        String base = server.base();
        Page page = Browser.signIn(browser.newPage(), base, "operator");
        var created = page.request()
                .post(
                        base + "/api/v1/dags/ui_deadlines/runs",
                        RequestOptions.create().setHeader("Origin", base).setData(Map.of("params", Map.of())));
        assertThat(created.status()).isEqualTo(201);
        String runId = new ObjectMapper().readTree(created.text()).get("run_id").asText();

        page.navigate(base + "/ui/#/dags/ui_deadlines/graph?run=" + URLEncoder.encode(runId, StandardCharsets.UTF_8));
        var banner = page.locator("#run-deadline");
        assertThat(banner)
                .hasAttribute("data-state", "missed", new LocatorAssertions.HasAttributeOptions().setTimeout(15_000));
        assertThat(banner).containsText("Deadline missed");
        assertThat(banner.locator("time")).hasCount(1);
        assertThat(page.locator("#graph-list a[data-task=slow] .deadline-missed"))
                .hasText("⚠ deadline missed");
        assertThat(page.locator("#graph-list a[data-task=relaxed] .deadline-missed"))
                .hasCount(0);
        Browser.screenshot(page, "graph-deadline-missed");

        page.locator("#graph-list a[data-task=slow]").click();
        assertThat(page.locator("#task-deadline")).containsText("Deadline missed");
        assertThat(page.locator("#task-deadline-state")).containsText("deadline missed");
        assertThat(page.locator("#task-deadline-state time")).hasCount(1);
        assertThat(page.locator("main")).not().containsText("null");
        Browser.screenshot(page, "task-deadline-missed");
    }
}
