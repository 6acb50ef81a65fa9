package dev.sluice.server.ui;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.assertions.LocatorAssertions;
import com.microsoft.playwright.options.RequestOptions;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A task on a queue that no worker serves (the standalone node serves only `default`): the task page says what it
 * waits for, and the grid rings its cell, while the task on `default` runs.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QueueWaitingBrowserTest {
    static final String DAG = """
            id: ui_queues
            tasks:
              - id: anywhere
                type: noop
              - id: on_gpu
                type: noop
                queue: gpu
            """;
    private UiServer server;
    private Browser browser;

    @BeforeAll
    void start() throws Exception {
        browser = new Browser();
        server = UiServer.start(Map.of("ui_queues.yaml", DAG));
    }

    @AfterAll
    void stop() {
        if (browser != null) browser.close();
        if (server != null) server.close();
    }

    @Test
    void a_task_nobody_can_claim_says_which_queue_it_waits_for() throws Exception {
        String base = server.base();
        Page page = Browser.signIn(browser.newPage(), base, "operator");
        var created = page.request()
                .post(
                        base + "/api/v1/dags/ui_queues/runs",
                        RequestOptions.create().setHeader("Origin", base).setData(Map.of("params", Map.of())));
        assertThat(created.status()).isEqualTo(201);
        String runId = new ObjectMapper().readTree(created.text()).get("run_id").asText();

        page.navigate(base + "/ui/#/dags/ui_queues/grid");
        var waiting = page.locator("button.cell[data-run='" + runId + "'][data-task=on_gpu]");
        assertThat(page.locator("button.cell[data-run='" + runId + "'][data-task=anywhere]"))
                .hasAttribute("data-state", "success", new LocatorAssertions.HasAttributeOptions().setTimeout(30_000));
        page.reload();
        assertThat(waiting).hasClass(Pattern.compile("\\bwaiting\\b"));
        assertThat(waiting).hasAttribute("title", Pattern.compile("no live worker serves queue gpu"));

        waiting.click();
        assertThat(page.locator("#task-waiting")).containsText("no live worker serves queue gpu");
        assertThat(page.locator("#task-waiting")).containsText("--queues gpu");
        assertThat(page.locator("#task-queue")).hasText("gpu");
        Browser.screenshot(page, "task-waiting-for-queue");
    }
}
