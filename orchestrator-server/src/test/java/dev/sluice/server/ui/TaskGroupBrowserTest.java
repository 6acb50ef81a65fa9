package dev.sluice.server.ui;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
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
 * A DAG whose branch chooses one of the tasks of a group: the graph and the grid show the group collapsed, as one
 * node and one row counting its tasks by state, and open it on demand; the skipped task says which branch skipped it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TaskGroupBrowserTest {
    static final String DAG = """
            id: ui_groups
            params:
              full: { type: boolean, default: false }
            tasks:
              - id: pick
                type: branch
                config: { choose: "{% if params.full %}full{% else %}incremental{% endif %}" }
              - { id: full, type: noop, depends_on: [pick], group: load }
              - { id: incremental, type: noop, depends_on: [pick], group: load }
              - { id: publish, type: noop, depends_on: [incremental], group: load }
              - { id: join, type: noop, depends_on: [full, publish], trigger_rule: none_failed_min_one_success }
            """;
    private UiServer server;
    private Browser browser;

    @BeforeAll
    void start() throws Exception {
        browser = new Browser();
        server = UiServer.start(Map.of("ui_groups.yaml", DAG));
    }

    @AfterAll
    void stop() {
        if (browser != null) browser.close();
        if (server != null) server.close();
    }

    @Test
    void a_collapsed_group_counts_its_tasks_by_state_and_opens_on_demand() throws Exception {
        String base = server.base();
        Page page = Browser.signIn(browser.newPage(), base, "operator");
        var mapper = new ObjectMapper();
        JsonNode dag = mapper.readTree(
                page.request().get(base + "/api/v1/dags/ui_groups").text());
        assertThat(dag.at("/tasks/1/group").asText()).isEqualTo("load");
        assertThat(dag.at("/tasks/0/branch").asBoolean()).isTrue();
        assertThat(dag.at("/tasks/4/group").isNull()).isTrue();

        var created = page.request()
                .post(
                        base + "/api/v1/dags/ui_groups/runs",
                        RequestOptions.create().setHeader("Origin", base).setData(Map.of("params", Map.of())));
        assertThat(created.status()).isEqualTo(201);
        String runId = mapper.readTree(created.text()).get("run_id").asText();

        page.navigate(base + "/ui/#/dags/ui_groups/graph?run=" + URLEncoder.encode(runId, StandardCharsets.UTF_8));
        var group = page.locator("#graph-list li[data-group=load]");
        assertThat(group)
                .containsText(
                        "3 tasks: 2 success, 1 skipped",
                        new LocatorAssertions.ContainsTextOptions().setTimeout(20_000));
        assertThat(page.locator("#graph")).hasAttribute("data-nodes", "pick group:load join");
        assertThat(page.locator("#graph-list a[data-task=full]")).hasCount(0);
        Browser.screenshot(page, "graph-group-collapsed");

        // The run's answer says why each task was skipped by the branch, and only those.
        JsonNode run = mapper.readTree(page.request()
                .get(base + "/api/v1/dags/ui_groups/runs/" + URLEncoder.encode(runId, StandardCharsets.UTF_8))
                .text());
        Map<String, String> reasons = new java.util.TreeMap<>();
        run.get("tasks")
                .forEach(t -> reasons.put(
                        t.get("task_id").asText(), t.path("state_reason").asText(null)));
        assertThat(reasons)
                .containsEntry("full", "skipped: branch task 'pick' chose incremental")
                .containsEntry("incremental", null)
                .containsEntry("join", null);

        page.locator("#graph-list [data-group-toggle=load]").click();
        assertThat(page.locator("#graph-list [data-group-toggle=load]")).hasAttribute("aria-expanded", "true");
        assertThat(page.locator("#graph")).hasAttribute("data-nodes", "pick full incremental publish join");
        assertThat(page.locator("#graph-list a[data-task=full] [data-state]")).hasAttribute("data-state", "skipped");

        page.locator("#graph-list a[data-task=full]").click();
        assertThat(page.locator("#task-state-reason")).hasText("skipped: branch task 'pick' chose incremental");

        // The grid keeps the group open (expanded in the graph); closing it makes one row counting its tasks.
        page.navigate(base + "/ui/#/dags/ui_groups/grid");
        assertThat(page.locator("#grid button.cell[data-task=full]")).hasAttribute("data-state", "skipped");
        page.locator("#grid [data-group-toggle=load]").click();
        assertThat(page.locator("#grid button.cell[data-task=full]")).hasCount(0);
        var cell = page.locator("#grid tr[data-group=load] button.cell.group");
        assertThat(cell)
                .hasAttribute("title", "group load · run " + runId + " · 2 success, 1 skipped · open the group");
        assertThat(cell).hasText("2✓ 1»");
        Browser.screenshot(page, "grid-group-collapsed");
        cell.click();
        assertThat(page.locator("#grid button.cell[data-task=publish]")).hasAttribute("data-state", "success");
    }
}
