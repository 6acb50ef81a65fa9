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
 * A mapped task in the dashboard: one grid cell and one graph node for its instances, counted by state; its page
 * lists the instances, and each opens its own page with its own log.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MappedTaskBrowserTest {
    static final String DAG = """
            id: ui_mapped
            tasks:
              - id: each
                type: shell
                expand: { city: [oslo, lima, pune, kiev] }
                config: { command: "echo visiting {{ expand.city }} as {{ map_index }}; test {{ expand.city }} != pune" }
              - { id: after, type: noop, depends_on: [each], trigger_rule: all_done }
            """;
    private UiServer server;
    private Browser browser;

    @BeforeAll
    void start() throws Exception {
        browser = new Browser();
        server = UiServer.start(Map.of("ui_mapped.yaml", DAG));
    }

    @AfterAll
    void stop() {
        if (browser != null) browser.close();
        if (server != null) server.close();
    }

    @Test
    void a_mapped_task_is_one_cell_and_node_with_counts_and_each_instance_opens_with_its_log() throws Exception {
        String base = server.base();
        Page page = Browser.signIn(browser.newPage(), base, "operator");
        var created = page.request()
                .post(
                        base + "/api/v1/dags/ui_mapped/runs",
                        RequestOptions.create().setHeader("Origin", base).setData(Map.of("params", Map.of())));
        assertThat(created.status()).isEqualTo(201);
        String runId = new ObjectMapper().readTree(created.text()).get("run_id").asText();
        String run = URLEncoder.encode(runId, StandardCharsets.UTF_8);

        page.navigate(base + "/ui/#/dags/ui_mapped/graph?run=" + run);
        var item = page.locator("#graph-list a[data-task=each] .map-counts");
        assertThat(item)
                .containsText(
                        "4 instances: 1 failed, 3 success",
                        new LocatorAssertions.ContainsTextOptions().setTimeout(20_000));
        assertThat(page.locator("#graph")).hasAttribute("data-nodes", "each after");

        page.navigate(base + "/ui/#/dags/ui_mapped/grid");
        var cell = page.locator("#grid button.cell.mapped[data-task=each]");
        assertThat(cell).hasAttribute("data-state", "failed");
        assertThat(cell).hasAttribute("data-map-count", "4");
        assertThat(cell).hasAttribute("title", java.util.regex.Pattern.compile("4 instances: 1 failed, 3 success"));
        assertThat(page.locator("#grid button.cell[data-task=each]")).hasCount(1);
        Browser.screenshot(page, "grid-mapped-task");

        cell.click();
        assertThat(page.locator("#mapped-counts")).containsText("4: 1 failed, 3 success");
        assertThat(page.locator("#instances tbody tr")).hasCount(4);
        assertThat(page.locator("#instances tr[data-map-index='2']")).hasAttribute("data-state", "failed");
        assertThat(page.locator("#instances tr[data-map-index='2']")).containsText("\"pune\"");
        Browser.screenshot(page, "mapped-task-instances");

        page.locator("#instances tr[data-map-index='1'] td:first-child a").click();
        assertThat(page.locator("#task-map-index")).hasText(" [1]");
        assertThat(page.locator("#log"))
                .containsText("visiting lima as 1", new LocatorAssertions.ContainsTextOptions().setTimeout(10_000));
        page.locator("#mapped-task-link").click();
        assertThat(page.locator("#instances tbody tr")).hasCount(4);
    }
}
