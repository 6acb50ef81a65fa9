package dev.sluice.server.ui;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.assertions.LocatorAssertions;
import com.microsoft.playwright.options.RequestOptions;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A sensor in reschedule mode whose file never comes: after its first check it waits as up_for_reschedule, ten
 * minutes to its next check. The API says so with the next check time and what the check saw; the graph, the grid
 * and the task page show the state with its own colour, legend entry and the next check time.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SensorRescheduleBrowserTest {
    static final String DAG = """
            id: ui_sensor_reschedule
            tasks:
              - id: wait
                type: sensor.file
                timeout: 2h
                config:
                  path: /nonexistent/sluice-ui-sensor/*.done
                  mode: reschedule
                  poke_interval: 10m
                  timeout: 1h
              - { id: after, type: noop, depends_on: [wait] }
            """;
    static final String SOFT = """
            id: ui_sensor_soft_fail
            tasks:
              - id: wait
                type: sensor.file
                config:
                  path: /nonexistent/sluice-ui-sensor/*.done
                  mode: reschedule
                  poke_interval: 1s
                  timeout: 2s
                  soft_fail: true
            """;
    private final ObjectMapper mapper = new ObjectMapper();
    private UiServer server;
    private Browser browser;

    @BeforeAll
    void start() throws Exception {
        browser = new Browser();
        server = UiServer.start(Map.of("ui_sensor_reschedule.yaml", DAG, "ui_sensor_soft_fail.yaml", SOFT));
    }

    @AfterAll
    void stop() {
        if (browser != null) browser.close();
        if (server != null) server.close();
    }

    @Test
    void a_sensor_waiting_for_its_next_check_shows_the_state_and_when() throws Exception {
        String base = server.base();
        Page page = Browser.signIn(browser.newPage(), base, "operator");
        var created = page.request()
                .post(
                        base + "/api/v1/dags/ui_sensor_reschedule/runs",
                        RequestOptions.create().setHeader("Origin", base).setData(Map.of("params", Map.of())));
        assertThat(created.status()).isEqualTo(201);
        String runId = mapper.readTree(created.text()).get("run_id").asText();
        String run = URLEncoder.encode(runId, StandardCharsets.UTF_8);

        String taskUrl = base + "/api/v1/dags/ui_sensor_reschedule/runs/" + run + "/tasks/wait";
        JsonNode ti = await().atMost(Duration.ofSeconds(30))
                .until(
                        () -> mapper.readTree(page.request().get(taskUrl).text()),
                        t -> t.path("state").asText().equals("up_for_reschedule"));
        Instant next = Instant.parse(ti.get("next_check_at").asText());
        // ten minutes after the check (the poke_interval), give or take the test's own pace
        assertThat(next).isBetween(Instant.now().plusSeconds(500), Instant.now().plusSeconds(620));
        assertThat(ti.get("reschedule_count").asInt()).isEqualTo(1);
        assertThat(ti.get("state_reason").asText())
                .startsWith("rescheduled: /nonexistent/sluice-ui-sensor does not exist; next check at");
        // waiting is not an error, and holds no worker
        assertThat(ti.get("error").isNull()).isTrue();

        page.navigate(base + "/ui/#/dags/ui_sensor_reschedule/graph?run=" + run);
        var listed = page.locator("#graph-list a[data-task=wait]");
        assertThat(listed.locator("[data-state]"))
                .hasAttribute(
                        "data-state",
                        "up_for_reschedule",
                        new LocatorAssertions.HasAttributeOptions().setTimeout(20_000));
        assertThat(listed).containsText("up for reschedule");
        assertThat(listed.locator(".next-check"))
                .hasAttribute("data-next-check", ti.get("next_check_at").asText());
        assertThat(page.locator("#graph")).hasAttribute("data-states", "wait=up_for_reschedule after=pending");
        assertThat(page.locator(".legend [data-state=up_for_reschedule]")).containsText("up for reschedule");
        // its own colour, not up_for_retry's
        String colour = (String) page.evaluate(
                "getComputedStyle(document.querySelector('.legend .st-up_for_reschedule')).backgroundColor");
        String retry = (String)
                page.evaluate("getComputedStyle(document.querySelector('.legend .st-up_for_retry')).backgroundColor");
        assertThat(colour).isNotEqualTo(retry).isNotBlank();
        Browser.screenshot(page, "graph-sensor-up-for-reschedule");

        page.navigate(base + "/ui/#/dags/ui_sensor_reschedule/grid");
        var cell = page.locator("button.cell[data-run='" + runId + "'][data-task=wait]");
        assertThat(cell).hasAttribute("data-state", "up_for_reschedule");
        assertThat(cell).hasAttribute("title", Pattern.compile("up for reschedule .* next check"));
        assertThat(page.locator(".legend [data-state=up_for_reschedule]")).isVisible();

        cell.click();
        assertThat(page.locator("#task-state")).containsText("up for reschedule");
        assertThat(page.locator("#task-next-check time"))
                .hasAttribute("datetime", ti.get("next_check_at").asText());
        assertThat(page.locator("#task-state-reason")).containsText("does not exist");
        assertThat(page.locator("#task-reschedules")).hasText("1 check (no try spent)");
        Browser.screenshot(page, "task-sensor-up-for-reschedule");
        assertThat(browser.pageErrors).isEmpty();
    }

    @Test
    void a_soft_failed_sensor_says_why_it_was_skipped() throws Exception {
        String base = server.base();
        Page page = Browser.signIn(browser.newPage(), base, "operator");
        var created = page.request()
                .post(
                        base + "/api/v1/dags/ui_sensor_soft_fail/runs",
                        RequestOptions.create().setHeader("Origin", base).setData(Map.of("params", Map.of())));
        assertThat(created.status()).isEqualTo(201);
        String run =
                URLEncoder.encode(mapper.readTree(created.text()).get("run_id").asText(), StandardCharsets.UTF_8);
        String taskUrl = base + "/api/v1/dags/ui_sensor_soft_fail/runs/" + run + "/tasks/wait";
        JsonNode ti = await().atMost(Duration.ofSeconds(30))
                .until(
                        () -> mapper.readTree(page.request().get(taskUrl).text()),
                        t -> t.path("state").asText().equals("skipped"));
        assertThat(ti.get("state_reason").asText())
                .startsWith("sensor timed out after 2s (")
                .contains("/nonexistent/sluice-ui-sensor does not exist");
        assertThat(ti.get("next_check_at").isNull()).isTrue();
        assertThat(ti.get("reschedule_count").asInt()).isGreaterThanOrEqualTo(2);

        page.navigate(base + "/ui/#/dags/ui_sensor_soft_fail/runs/" + run + "/tasks/wait");
        assertThat(page.locator("#task-state-reason")).containsText("sensor timed out after 2s");
        assertThat(page.locator("#task-next-check")).hasCount(0);
        assertThat(browser.pageErrors).isEmpty();
    }
}
