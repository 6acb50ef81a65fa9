package dev.sluice.server.ui;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.microsoft.playwright.APIResponse;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.assertions.LocatorAssertions;
import com.microsoft.playwright.options.RequestOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/** The dashboard in a real headless Chromium against a real Sluice process (engine running real tasks). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardBrowserTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final LocatorAssertions.HasAttributeOptions SLOW =
            new LocatorAssertions.HasAttributeOptions().setTimeout(30_000);
    private static final Pattern ALL_SUCCESS = Pattern.compile("^(\\S+=success ?){4}$");
    private UiServer server;
    private Browser browser;
    private String base;

    @BeforeAll
    void start() throws Exception {
        browser = new Browser(); // first: fails fast and clearly without chromium
        Path marker = Files.createTempDirectory("sluice-flaky").resolve("marker");
        server = UiServer.start(UiDags.all(marker));
        base = server.base();
    }

    @AfterAll
    void stop() {
        if (browser != null) browser.close();
        if (server != null) server.close();
    }

    @AfterEach
    void noScriptErrors(org.junit.jupiter.api.TestInfo info) {
        // The last page of every test, pass or fail: what it looked like when the test ended.
        if (browser.lastPage != null)
            Browser.screenshot(
                    browser.lastPage,
                    "last-" + info.getTestMethod().orElseThrow().getName());
        var errors = java.util.List.copyOf(browser.pageErrors);
        browser.pageErrors.clear();
        assertThat(errors).as("uncaught errors in the page").isEmpty();
    }

    @Test
    @Order(1)
    void signInThenDagListWithScheduleStripAndImportErrors() {
        Page page = browser.newPage();
        page.navigate(base + "/ui/#/dags");
        assertThat(page.locator("#signin-title")).isVisible();
        Browser.screenshot(page, "01-signin");
        page.locator("#username").fill("operator");
        page.locator("#password").fill("wrong");
        page.locator("button[type=submit]").click();
        assertThat(page.locator(".banner.err")).containsText("Wrong username or password");

        page.locator("#password").fill("pw-operator");
        page.locator("button[type=submit]").click();
        assertThat(page.locator("#who-role")).hasText("operator");
        Locator row = page.locator("tr[data-dag=ui_params]");
        assertThat(row).containsText("0 2 * * *");
        assertThat(row.locator("button.toggle")).isVisible(); // operators may pause
        assertThat(page.locator("#import-errors")).containsText("ui_broken.yaml");
        assertThat(page.locator("[data-nav=admin]")).isHidden();
        Browser.screenshot(page, "02-dags");
    }

    @Test
    @Order(2)
    void triggerWithParamsThenGridAndGraphTurnGreenWithoutReload() throws Exception {
        Page page = Browser.signIn(browser.newPage(), base, "operator");
        page.navigate(base + "/ui/#/dags/ui_params/grid");
        assertThat(page.locator("h1")).hasText("ui_params");
        // A reload would drop this value and the observer: both must survive to the end.
        page.evaluate("""
                () => { window.__noReload = 42; window.__seen = new Set();
                  const note = (el) => { const s = el.dataset && el.dataset.state; if (s) window.__seen.add(s); };
                  // cells may be recoloured in place (attribute) or re-rendered (added nodes): watch both
                  // kept on window: an observer nobody references may be garbage-collected mid-test
                  window.__observer = new MutationObserver((ms) => ms.forEach((m) => { note(m.target);
                      m.addedNodes.forEach((n) => { if (n.nodeType === 1) { note(n); n.querySelectorAll('[data-state]').forEach(note); } }); }));
                  window.__observer.observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'] }); }""");

        page.locator("#trigger-btn").click();
        assertThat(page.locator("#trigger")).isVisible();
        assertThat(page.locator("#param-rows")).hasValue("3"); // the declared default
        assertThat(page.locator("#param-rows")).hasAttribute("min", "1");
        assertThat(page.locator("#param-rows")).hasAttribute("max", "1000");
        // The form checks what the API would refuse, and says so under the input it names.
        for (String[] bad :
                new String[][] {{"2.5", "integer"}, {"1e400", "finite"}, {"5000", "at most 1000"}, {"0", "at least 1"}
                }) {
            page.locator("#param-rows").fill(bad[0]);
            page.locator("#trigger-submit").click();
            assertThat(page.locator("#param-rows-error")).isVisible();
            assertThat(page.locator("#param-rows-error")).containsText(bad[1]);
            assertThat(page.locator("#trigger")).isVisible();
        }
        Browser.screenshot(page, "03-trigger-validation");
        // An enum is a choice, not free text.
        assertThat(page.locator("select#param-mode option")).hasText(new String[] {"fast", "thorough"});
        assertThat(page.locator("#param-mode")).hasValue("fast");
        page.locator("#param-mode").selectOption("thorough");

        page.locator("#param-rows").fill("7");
        page.locator("#param-label").fill("from-the-browser");
        page.locator("#trigger-submit").click();
        assertThat(page.locator("#trigger")).hasCount(0);
        // The run the form created (the scheduler may also have created one for the last interval): ask the API,
        // then watch that run's column appear and fill in, live.
        String runId = null;
        for (int i = 0; i < 100 && runId == null; i++) {
            for (JsonNode r :
                    get(page, "/api/v1/runs?dag_id=ui_params&limit=10").path("items")) {
                if (r.path("run_type").asText().equals("manual"))
                    runId = r.path("run_id").asText();
            }
            if (runId == null) page.waitForTimeout(50);
        }
        assertThat(runId).as("the triggered run").isNotNull();
        for (String task : new String[] {"prepare", "train", "evaluate", "publish"}) {
            assertThat(page.locator("button.cell[data-run='" + runId + "'][data-task=" + task + "]"))
                    .hasAttribute("data-state", "success", SLOW);
        }
        assertThat((Boolean) page.evaluate("() => window.__seen.has('running')"))
                .as("saw a cell go through running, live")
                .isTrue();
        JsonNode run = get(page, "/api/v1/dags/ui_params/runs/" + runId);
        assertThat(run.at("/params/rows").asInt()).isEqualTo(7);
        assertThat(run.at("/params/label").asText()).isEqualTo("from-the-browser");
        assertThat(run.at("/params/mode").asText()).isEqualTo("thorough");
        Browser.screenshot(page, "04-grid");

        // Graph: a second run triggered elsewhere (the API), watched on the graph tab as it happens.
        APIResponse created = apiPost(
                page,
                "/api/v1/dags/ui_params/runs",
                RequestOptions.create().setData(Map.of("params", Map.of("rows", 2))));
        assertThat(created.status()).isEqualTo(201);
        String second = JSON.readTree(created.text()).get("run_id").asText();
        page.locator("a[data-tab=graph]").click();
        assertThat(page.locator("#run-picker")).hasValue(second);
        Locator graph = page.locator("#graph");
        assertThat(graph).hasAttribute("data-states", Pattern.compile("prepare=.*"));
        String first = graph.getAttribute("data-states");
        assertThat(first).as("the run was not finished when the graph opened").doesNotMatch(ALL_SUCCESS);
        assertThat(graph).hasAttribute("data-states", ALL_SUCCESS, SLOW);
        assertThat(page.locator("#graph-list a[data-task=publish] .st")).hasAttribute("data-state", "success");
        Browser.screenshot(page, "05-graph");
        assertThat(page.evaluate("() => window.__noReload")).isEqualTo(42);
    }

    @Test
    @Order(3)
    void failuresPageOpensTheLogAndClearReruns() throws Exception {
        Page page = Browser.signIn(browser.newPage(), base, "operator");
        page.navigate(base + "/ui/#/failures");
        assertThat(page.locator("#failures-table")).isVisible();
        APIResponse created = apiPost(
                page, "/api/v1/dags/ui_flaky/runs", RequestOptions.create().setData(Map.of("params", Map.of())));
        assertThat(created.status()).isEqualTo(201);
        String runId = JSON.readTree(created.text()).get("run_id").asText();

        // Arrives live (task event → the list refetches), newest first.
        Locator row = page.locator("#failures-table tr[data-task=flaky_step][data-run='" + runId + "']");
        assertThat(row).isVisible(new LocatorAssertions.IsVisibleOptions().setTimeout(30_000));
        assertThat(page.locator("#failures-table tbody tr").first()).hasAttribute("data-run", runId);
        Browser.screenshot(page, "06-failures");
        row.locator("a.log-link").click();

        assertThat(page.locator("#task-state .st")).hasAttribute("data-state", "failed");
        assertThat(page.locator("#log"))
                .containsText("ValueError: boom", new LocatorAssertions.ContainsTextOptions().setTimeout(15_000));
        page.locator("#log-search").fill("boom");
        assertThat(page.locator("#log mark").first()).hasText("boom");
        assertThat(page.locator("#log-download")).hasAttribute("href", Pattern.compile("download=true"));
        Browser.screenshot(page, "07-task-failed");

        page.locator("#clear-btn").click();
        assertThat(page.locator("#confirm")).isVisible();
        assertThat(page.locator("#clear-downstream")).isChecked();
        page.locator("#confirm-yes").click();
        assertThat(page.locator("#task-state .st")).hasAttribute("data-state", "success", SLOW);
        assertThat(page.locator("#attempts tbody tr")).hasCount(2);
        assertThat(page.locator("#log"))
                .containsText("marker found", new LocatorAssertions.ContainsTextOptions().setTimeout(15_000));
        Browser.screenshot(page, "08-task-rerun");
    }

    @Test
    @Order(4)
    void viewerSeesNoTriggerAndTheApiRefuses() {
        Page page = Browser.signIn(browser.newPage(), base, "viewer");
        page.navigate(base + "/ui/#/dags/ui_params/runs");
        assertThat(page.locator("#runs-table")).isVisible();
        assertThat(page.locator("#trigger-btn")).hasCount(0);
        assertThat(page.locator("#runs-trigger")).hasCount(0);
        assertThat(page.locator("button.toggle")).hasCount(0);
        assertThat(page.locator("[data-nav=admin]")).isHidden();
        APIResponse refused = apiPost(
                page, "/api/v1/dags/ui_params/runs", RequestOptions.create().setData(Map.of("params", Map.of())));
        assertThat(refused.status()).isEqualTo(403);

        String run = page.locator("#runs-table tbody tr").first().getAttribute("data-run");
        page.navigate(base + "/ui/#/dags/ui_params/runs/" + run + "/tasks/prepare");
        assertThat(page.locator("#task-state")).isVisible();
        assertThat(page.locator("#clear-btn")).hasCount(0);
        assertThat(page.locator("#mark-success-btn")).hasCount(0);
    }

    @Test
    @Order(5)
    void apiErrorsShowAsReadableMessages() {
        Page page = Browser.signIn(browser.newPage(), base, "viewer");
        page.navigate(base + "/ui/#/dags/no_such_dag/grid");
        assertThat(page.locator(".banner.err")).isVisible();
        assertThat(page.locator(".banner.err")).containsText("no_such_dag");
        page.navigate(base + "/ui/#/admin/users");
        assertThat(page.locator(".banner")).containsText("for admins");
    }

    @Test
    @Order(5)
    void aPageStillLoadingWhenTheRouteChangesDoesNotDrawUnderTheNextOne() {
        Page page = Browser.signIn(browser.newPage(), base, "viewer");
        // Pages are modules loaded on first use: hold the assets page's module while the viewer moves on.
        java.util.List<com.microsoft.playwright.Route> held = new java.util.ArrayList<>();
        page.route("**/js/pages/assets.js", held::add);
        page.evaluate("() => { location.hash = '#/assets'; }");
        page.waitForCondition(() -> !held.isEmpty());
        page.evaluate("() => { location.hash = '#/failures'; }");
        assertThat(page.locator("main h1")).hasText("Failures");
        page.waitForResponse(r -> r.url().endsWith("/js/pages/assets.js"), () -> held.forEach(r -> r.resume()));
        // The assets page ran after the failures page took over; it must have drawn into nothing visible.
        page.waitForTimeout(300);
        assertThat(page.locator("main h1")).hasCount(1);
        assertThat(page.locator("main h1")).hasText("Failures");
    }

    @Test
    @Order(6)
    void screenshotsOfEveryPage() throws Exception {
        Page page = Browser.signIn(browser.newPage(), base, "admin");
        shot(page, "#/dags/ui_params/gantt", "#gantt-table tbody tr", "09-gantt");
        shot(page, "#/dags/ui_params/code", "#source", "10-code");
        // A new version of the file: the Code tab lists both and shows the change as a diff.
        Files.writeString(
                server.dags.resolve("ui_params.yaml"),
                UiDags.PARAMS.replace("params drive the form", "params drive the trigger form"));
        org.awaitility.Awaitility.await()
                .atMost(java.time.Duration.ofSeconds(30))
                .pollInterval(java.time.Duration.ofMillis(500))
                .until(() -> get(page, "/api/v1/dags/ui_params/versions")
                                .get("items")
                                .size()
                        == 2);
        page.reload(); // same hash as before: reload to fetch the versions again
        page.locator("#versions li").nth(1).waitFor();
        page.getByText("Diff from v1").click();
        assertThat(page.locator("#diff .add")).containsText("params drive the trigger form");
        assertThat(page.locator("#diff .del")).containsText("params drive the form");
        Browser.screenshot(page, "10-code-diff");
        shot(page, "#/dags/ui_params/runs", "#runs-table tbody tr", "11-runs");
        // The registry's endpoints come from another branch; either way the page shows content or a readable error.
        shot(page, "#/models", "main h1, main .banner.err", "12-models");
        shot(page, "#/admin/users", "#users-table tbody tr", "13-admin-users");
        page.navigate(base + "/ui/#/admin/tokens");
        page.locator("#token-name").fill("ci");
        page.locator("#token-form button[type=submit]").click();
        assertThat(page.locator("#new-token")).hasText(Pattern.compile("\\S{16,}"));
        // Owned by the signed-in user, expiring in the preselected 90 days.
        Locator ci = page.locator("#tokens-table tbody tr", new Page.LocatorOptions().setHasText("ci"));
        assertThat(ci.locator("td").nth(2)).hasText("admin");
        var in90 = java.time.LocalDate.now(java.time.ZoneOffset.UTC).plusDays(90);
        assertThat(ci.locator("td").nth(4).locator("time"))
                .hasAttribute("datetime", Pattern.compile("^(" + in90 + "|" + in90.plusDays(1) + ")T.*"));
        Browser.screenshot(page, "14-admin-tokens");
        shot(page, "#/admin/audit", "#audit-table tbody tr", "15-admin-audit");
        // Keyboard: arrows move between grid cells, Enter opens the task.
        page.navigate(base + "/ui/#/dags/ui_params/grid");
        Locator firstCell = page.locator("button.cell[data-r='0'][data-c='0']");
        firstCell.focus();
        page.keyboard().press("ArrowDown");
        assertThat(page.locator("button.cell[data-r='1'][data-c='0']")).isFocused();
        page.keyboard().press("Enter");
        assertThat(page.locator("#task-state")).isVisible();
    }

    @Test
    @Order(7)
    void exampleDagScreenshotsForTheDocs() throws Exception {
        Page page = Browser.signIn(browser.newPage(), base, "operator");
        String last = null;
        for (int rows : new int[] {5, 20, 100}) {
            APIResponse r = apiPost(
                    page,
                    "/api/v1/dags/hello_sluice/runs",
                    RequestOptions.create().setData(Map.of("params", Map.of("rows", rows))));
            assertThat(r.status()).isEqualTo(201);
            last = JSON.readTree(r.text()).get("run_id").asText();
        }
        page.navigate(base + "/ui/#/dags/hello_sluice/grid");
        assertThat(page.locator("a.runhead[data-run='" + last + "']")).hasAttribute("data-state", "success", SLOW);
        Browser.screenshot(page, "docs-grid");
        page.locator("a[data-tab=graph]").click();
        assertThat(page.locator("#graph")).hasAttribute("data-states", Pattern.compile("^(\\S+=success ?){4}$"));
        Browser.screenshot(page, "docs-graph");
    }

    @Test
    @Order(8)
    void droppedLiveConnectionReconnectsAndCatchesUp() throws Exception {
        Page page = Browser.signIn(browser.newPage(), base, "operator");
        page.navigate(base + "/ui/#/dags/ui_params/grid");
        assertThat(page.locator("#live")).hasClass(Pattern.compile("\\bon\\b"));
        page.evaluate("() => { window.__noReload = 7; }");
        APIResponse created = apiPost(
                page, "/api/v1/dags/ui_params/runs", RequestOptions.create().setData(Map.of("params", Map.of())));
        assertThat(created.status()).isEqualTo(201);
        String runId = JSON.readTree(created.text()).get("run_id").asText();
        assertThat(page.locator("a.runhead[data-run='" + runId + "']")).isVisible();

        // The HTTP server goes away (as in a restart) while the run goes on: the browser misses its events.
        int port = server.app.httpPort();
        server.app.http().close();
        assertThat(page.locator("#live"))
                .hasClass(Pattern.compile("\\boff\\b"), new LocatorAssertions.HasClassOptions().setTimeout(20_000));
        var dsl = server.app.db.dsl();
        org.awaitility.Awaitility.await()
                .atMost(java.time.Duration.ofSeconds(30))
                .pollInterval(java.time.Duration.ofMillis(300))
                .until(() -> "success"
                        .equals(dsl.select(dev.sluice.db.jooq.Tables.DAG_RUN.STATE)
                                .from(dev.sluice.db.jooq.Tables.DAG_RUN)
                                .where(dev.sluice.db.jooq.Tables.DAG_RUN.RUN_ID.eq(runId))
                                .fetchOne(dev.sluice.db.jooq.Tables.DAG_RUN.STATE)));
        assertThat(page.locator("a.runhead[data-run='" + runId + "']")).not().hasAttribute("data-state", "success");

        // Back on the same port: EventSource reconnects by itself, the new server cannot replay, the page refetches.
        server.app.startHttp(port);
        assertThat(page.locator("#live"))
                .hasClass(Pattern.compile("\\bon\\b"), new LocatorAssertions.HasClassOptions().setTimeout(30_000));
        assertThat(page.locator("a.runhead[data-run='" + runId + "']")).hasAttribute("data-state", "success", SLOW);
        assertThat(page.locator("button.cell[data-run='" + runId + "'][data-task=publish]"))
                .hasAttribute("data-state", "success");
        assertThat(page.evaluate("() => window.__noReload")).isEqualTo(7);
    }

    @Test
    @Order(9)
    void operatorPausesBackfillsAndMarksBehindConfirmations() throws Exception {
        Page page = Browser.signIn(browser.newPage(), base, "operator");
        page.navigate(base + "/ui/#/dags");
        Locator toggle = page.locator("tr[data-dag=ui_params] button.toggle");
        assertThat(toggle).hasAttribute("aria-checked", "false");
        toggle.click();
        assertThat(toggle).hasAttribute("aria-checked", "true");
        assertThat(get(page, "/api/v1/dags/ui_params").get("is_paused").asBoolean())
                .isTrue();
        toggle.click();
        assertThat(toggle).hasAttribute("aria-checked", "false");

        page.navigate(base + "/ui/#/dags/ui_params/runs");
        page.getByText("Backfill…").click();
        page.locator("#backfill-from").fill("2026-01-01");
        page.locator("#backfill-to").fill("2026-01-02");
        page.locator("#backfill-form button[type=submit]").click();
        assertThat(page.locator(".toast")).containsText("2 runs created");
        assertThat(page.locator(
                                "#runs-table tbody tr td:nth-child(3)",
                                new Page.LocatorOptions().setHasText("backfill"))
                        .first())
                .isVisible();

        APIResponse created = apiPost(
                page, "/api/v1/dags/ui_params/runs", RequestOptions.create().setData(Map.of("params", Map.of())));
        assertThat(created.status()).isEqualTo(201);
        String run = JSON.readTree(created.text()).get("run_id").asText();
        org.awaitility.Awaitility.await()
                .atMost(java.time.Duration.ofSeconds(30))
                .pollInterval(java.time.Duration.ofMillis(300))
                .until(() -> "success"
                        .equals(get(page, "/api/v1/dags/ui_params/runs/" + run)
                                .get("state")
                                .asText()));
        page.navigate(base + "/ui/#/dags/ui_params/runs/" + run + "/tasks/publish");
        assertThat(page.locator("#rendered-config")).containsText("\"duration\": \"300ms\"");
        page.locator("#mark-failed-btn").click();
        page.locator("#confirm").getByText("Cancel").click(); // nothing happens without confirmation
        assertThat(page.locator("#task-state .st")).hasAttribute("data-state", "success");
        page.locator("#mark-failed-btn").click();
        page.locator("#confirm-yes").click();
        assertThat(page.locator("#task-state .st")).hasAttribute("data-state", "failed");
        Browser.screenshot(page, "17-task-marked-failed");
    }

    private void shot(Page page, String hash, String waitFor, String name) {
        page.navigate(base + "/ui/" + hash);
        page.locator(waitFor).first().waitFor();
        page.waitForTimeout(300); // let charts finish their first draw
        Browser.screenshot(page, name);
    }

    @Test
    @Order(10)
    void modelsPageListsVersionsWithMetricsChampionAndChartAndAnOperatorCanPromote() throws Exception {
        // Versions registered straight through the registry: this page reads the registry, not the training.
        var registry = new dev.sluice.ml.registry.ModelRegistry(server.app.db.dataSource());
        double[] aucs = {0.901, 0.917, 0.912};
        for (double auc : aucs) {
            registry.register(
                    "ui_model",
                    "Income classifier",
                    "sha256:" + "ab".repeat(32),
                    "xgboost",
                    "classification",
                    Map.of("columns", java.util.List.of()),
                    Map.of("roc_auc", auc, "accuracy", auc - 0.05),
                    Map.of());
        }
        registry.setAlias("ui_model", "champion", 2, "test");

        Page page = Browser.signIn(browser.newPage(), base, "operator");
        page.navigate(base + "/ui/#/models/ui_model");
        Locator rows = page.locator("#versions-table tbody tr");
        assertThat(rows).hasCount(3);
        assertThat(page.locator("#versions-table")).containsText("★ champion");
        assertThat(page.locator("#versions-table")).containsText("0.917");
        assertThat(page.locator("#metric-chart")).isVisible();
        Browser.screenshot(page, "12-models");

        // Promote v3: confirmation first, then the champion moves (and the API agrees).
        page.locator("#versions-table tbody tr", new Page.LocatorOptions().setHasText("0.912"))
                .getByText("Make champion…")
                .click();
        assertThat(page.locator("#confirm")).isVisible();
        page.locator("#confirm-yes").click();
        JsonNode versions = null;
        for (int i = 0; i < 100; i++) {
            versions = get(page, "/api/v1/models/ui_model/versions");
            boolean moved = false;
            for (JsonNode v : versions.path("items")) {
                if (v.path("version").asInt() == 3
                        && v.path("aliases").toString().contains("champion")) moved = true;
            }
            if (moved) break;
            page.waitForTimeout(50);
        }
        assertThat(versions.toString()).contains("\"version\":3");
        boolean v3Champion = false;
        for (JsonNode v : versions.path("items")) {
            if (v.path("version").asInt() == 3)
                v3Champion = v.path("aliases").toString().contains("champion");
        }
        assertThat(v3Champion).as("v3 is champion after the promotion").isTrue();
    }

    @Test
    @Order(11)
    void modelsPageShowsAMulticlassChampionsConfusionMatrixWithItsClasses() throws Exception {
        var registry = new dev.sluice.ml.registry.ModelRegistry(server.app.db.dataSource());
        var classes = java.util.List.of("divorced_or_separated", "married", "never_married", "widowed");
        // The figures the adult_marital_status example registered on the full Adult training file.
        Map<String, Object> metrics = Map.of(
                "accuracy",
                0.7298,
                "f1_macro",
                0.6242,
                "roc_auc_ovr",
                0.8924,
                "confusion_matrix",
                Map.of(
                        "labels",
                        classes,
                        "matrix",
                        java.util.List.of(
                                java.util.List.of(394, 313, 145, 30), java.util.List.of(72, 1977, 190, 10),
                                java.util.List.of(144, 318, 1137, 3), java.util.List.of(58, 34, 2, 54))));
        registry.register(
                "ui_multiclass",
                "Marital status",
                "sha256:" + "cd".repeat(32),
                "xgboost",
                "multiclass",
                Map.of("columns", java.util.List.of()),
                metrics,
                Map.of("classes", classes));
        registry.setAlias("ui_multiclass", "champion", 1, "test");

        Page page = Browser.signIn(browser.newPage(), base, "viewer");
        page.navigate(base + "/ui/#/models/ui_multiclass");
        Locator matrix = page.locator("#confusion-matrix");
        assertThat(matrix).containsText("multiclass, 4 classes");
        assertThat(matrix.locator("thead th")).hasCount(5);
        assertThat(matrix.locator("tbody tr")).hasCount(4);
        assertThat(matrix.locator("tbody tr").nth(1)).containsText("married");
        assertThat(matrix.locator("tbody tr").nth(1)).containsText("1977");
        // The matrix is not a metric column: only numbers are.
        assertThat(page.locator("#versions-table thead")).containsText("f1_macro");
        assertThat(page.locator("#versions-table")).not().containsText("object");
        Browser.screenshot(page, "12b-models-multiclass");
    }

    @Test
    @Order(11)
    void modelsPageNamesABinaryModelsClassesByTheDataLabels() throws Exception {
        var registry = new dev.sluice.ml.registry.ModelRegistry(server.app.db.dataSource());
        // What ml.evaluate records for a binary model whose data labels are bad / good (positive class bad).
        Map<String, Object> metrics = Map.of(
                "roc_auc",
                0.91,
                "confusion_matrix",
                Map.of(
                        "tp",
                        40,
                        "fn",
                        10,
                        "fp",
                        5,
                        "tn",
                        145,
                        "labels",
                        java.util.List.of("bad", "good"),
                        "matrix",
                        java.util.List.of(java.util.List.of(40, 10), java.util.List.of(5, 145))));
        registry.register(
                "ui_binary",
                "Credit risk",
                "sha256:" + "ef".repeat(32),
                "xgboost",
                "classification",
                Map.of("member", "boolean"),
                metrics,
                Map.of("positive_class", "bad", "negative_class", "good"));
        registry.setAlias("ui_binary", "champion", 1, "test");

        Page page = Browser.signIn(browser.newPage(), base, "viewer");
        page.navigate(base + "/ui/#/models/ui_binary");
        Locator matrix = page.locator("#confusion-matrix");
        assertThat(matrix).containsText("classification, positive class bad");
        assertThat(matrix.locator("thead th").nth(1)).hasText("bad");
        assertThat(matrix.locator("thead th").nth(2)).hasText("good");
        assertThat(matrix.locator("tbody tr").nth(1)).containsText("good");
        assertThat(matrix.locator("tbody tr").nth(1)).containsText("145");
    }

    @Test
    @Order(12)
    void modelsPageShowsWhichServedInputsDriftedFromTheTrainingData() throws Exception {
        // A real bundle, transform and training split in the server's artifact store (the model bytes are not
        // needed: drift compares inputs), then logged requests whose ages are 40 years older than in training.
        var store = dev.sluice.ml.artifact.LocalArtifactStore.inHome(server.home);
        Path train = store.newTempFile(".parquet");
        try (var duck = dev.sluice.ml.data.DuckDb.open(Files.createTempDirectory("duck"), "128MB", 1)) {
            duck.exec("COPY (SELECT 20 + (i % 40) AS age, CASE WHEN i % 2 = 0 THEN 'red' ELSE 'blue' END AS colour"
                    + " FROM range(2000) t(i)) TO '" + train + "' (FORMAT parquet)");
        }
        String trainRef = store.put(
                        train, dev.sluice.ml.artifact.ArtifactKind.DATASET, "application/vnd.apache.parquet")
                .ref();
        var input = new dev.sluice.ml.data.DatasetSchema(java.util.List.of(
                new dev.sluice.ml.data.Column("age", dev.sluice.ml.data.ColumnType.NUMBER),
                new dev.sluice.ml.data.Column("colour", dev.sluice.ml.data.ColumnType.STRING)));
        Path tf = store.newTempFile(".json");
        dev.sluice.ml.transform.FittedTransform.of(input, java.util.List.of(), trainRef, 2000)
                .save(tf);
        String transformRef = store.put(tf, dev.sluice.ml.artifact.ArtifactKind.TRANSFORM, "application/json")
                .ref();
        var bundle = new dev.sluice.ml.model.ModelBundle(
                dev.sluice.ml.model.ModelBundle.FORMAT,
                "xgboost",
                dev.sluice.ml.model.Problem.CLASSIFICATION,
                dev.sluice.ml.model.Label.binary("y", "1"),
                java.util.List.of("age"),
                "sha256:" + "cd".repeat(32),
                transformRef,
                input,
                Map.of(),
                1,
                trainRef,
                2000);
        Path bf = store.newTempFile(".json");
        dev.sluice.ml.Json.write(bf, bundle);
        String bundleRef = store.put(bf, dev.sluice.ml.artifact.ArtifactKind.BUNDLE, "application/json")
                .ref();
        var registry = new dev.sluice.ml.registry.ModelRegistry(server.app.db.dataSource());
        var v = registry.register(
                "ui_drift",
                "Drift demo",
                bundleRef,
                "xgboost",
                "classification",
                input.toMap(),
                Map.of("roc_auc", 0.9),
                Map.of());
        registry.setAlias("ui_drift", "champion", v.version(), "test");
        var dsl = server.app.db.dsl();
        for (int r = 0; r < 10; r++) {
            var rows = new java.util.ArrayList<Map<String, Object>>();
            for (int i = 0; i < 50; i++) rows.add(Map.of("age", 60 + (i % 40), "colour", i % 2 == 0 ? "red" : "blue"));
            dsl.insertInto(dev.sluice.ml.registry.db.jooq.Tables.PREDICTION_LOG)
                    .set(dev.sluice.ml.registry.db.jooq.Tables.PREDICTION_LOG.MODEL_NAME, "ui_drift")
                    .set(dev.sluice.ml.registry.db.jooq.Tables.PREDICTION_LOG.VERSION_ID, v.id())
                    .set(
                            dev.sluice.ml.registry.db.jooq.Tables.PREDICTION_LOG.PAYLOAD,
                            org.jooq.JSONB.valueOf(JSON.writeValueAsString(Map.of("rows", rows))))
                    .set(dev.sluice.ml.registry.db.jooq.Tables.PREDICTION_LOG.OUTPUT, org.jooq.JSONB.valueOf("{}"))
                    .execute();
        }

        Page page = Browser.signIn(browser.newPage(), base, "viewer");
        page.navigate(base + "/ui/#/models/ui_drift");
        Locator table = page.locator("#drift-table");
        assertThat(table).isVisible();
        assertThat(page.locator("#drift-body")).containsText("1 column(s) drifted above 0.2: age");
        assertThat(page.locator("#drift-body"))
                .containsText("500 rows from 10 logged requests, against 2000 training rows");
        assertThat(table.locator("tbody tr").first()).hasAttribute("data-drifted", "true");
        assertThat(table.locator("tbody tr").first()).containsText("age");
        assertThat(table.locator("tbody tr[data-drifted=false]")).containsText("colour");
        Browser.screenshot(page, "12c-models-drift");

        // A version whose bundle is not in this server's store says so instead of failing the page.
        page.navigate(base + "/ui/#/models/ui_model");
        assertThat(page.locator("#drift-body")).containsText("not in this server's artifact store");
        assertThat(page.locator("#versions-table")).isVisible();
    }

    @Test
    @Order(12)
    void modelsPageFitsA1440WindowShowsEachVersionsKindAndComparesTwo() throws Exception {
        // Versions as a real binary pipeline registers them: every metric ml.evaluate records, scheduled run ids as
        // long as real ones, and the params the train task logged; the last one an ONNX model from scikit-learn.
        // This is the page that once pushed "from run" and the chart's right end out of a 1,440-px window.
        var registry = new dev.sluice.ml.registry.ModelRegistry(server.app.db.dataSource());
        for (int i = 1; i <= 4; i++) {
            Map<String, Object> metrics = new java.util.LinkedHashMap<>();
            metrics.put("rows", 9769);
            metrics.put("accuracy", 0.86 + i / 1000.0);
            metrics.put("precision", 0.7712);
            metrics.put("recall", 0.6043 + i / 100.0);
            metrics.put("f1", 0.6776);
            metrics.put("roc_auc", 0.9181 + i / 1000.0);
            metrics.put("pr_auc", 0.8013);
            metrics.put("log_loss", 0.2962);
            metrics.put("threshold", 0.5);
            boolean onnx = i == 4;
            registry.register(
                    "ui_fit",
                    "Fits the window",
                    "sha256:" + Integer.toHexString(0x10 + i).repeat(32),
                    onnx ? "onnx" : "xgboost",
                    "classification",
                    Map.of("age", "number"),
                    metrics,
                    onnx
                            ? Map.of(
                                    "dag_id",
                                    "sklearn_retraining",
                                    "run_id",
                                    "scheduled__2026-12-0" + i + "T02:00:00+00:00",
                                    "framework",
                                    "sklearn",
                                    "params",
                                    Map.of("max_iter", 200, "learning_rate", 0.1))
                            : Map.of(
                                    "dag_id",
                                    "daily_retraining",
                                    "run_id",
                                    "scheduled__2026-12-0" + i + "T02:00:00+00:00",
                                    "params",
                                    Map.of("max_depth", 3 + i, "eta", 0.1, "rounds", 200)));
        }
        registry.setAlias("ui_fit", "champion", 2, "test");

        // An operator: the widest table, with a "Make champion…" button on the rows.
        Page page = Browser.signIn(browser.newPage(), base, "operator");
        page.navigate(base + "/ui/#/models/ui_fit");
        Locator rows = page.locator("#versions-table tbody tr");
        assertThat(rows).hasCount(4);
        assertThat(page.locator("#versions-table tr[data-version='1'] td.kind")).containsText("built-in");
        assertThat(page.locator("#versions-table tr[data-version='1'] td.kind")).containsText("sluice · xgboost");
        assertThat(page.locator("#versions-table tr[data-version='4'] td.kind")).containsText("ONNX");
        assertThat(page.locator("#versions-table tr[data-version='4'] td.kind")).containsText("sklearn");
        // The chart has drawn when Chart.js has sized its canvas to the box.
        page.waitForFunction("() => document.querySelector('#metric-chart').style.width !== ''");
        @SuppressWarnings("unchecked")
        Map<String, Object> box = (Map<String, Object>) page.evaluate("""
                () => {
                  const r = (s) => document.querySelector(s).getBoundingClientRect();
                  const runHead = [...document.querySelectorAll('#versions-table thead th')].find((th) => th.textContent === 'From run');
                  const scroll = document.querySelector('#versions-scroll');
                  return { viewport: document.documentElement.clientWidth, page: document.documentElement.scrollWidth,
                    scrollRight: r('#versions-scroll').right, tableRight: r('#versions-table').right,
                    runHeadRight: runHead.getBoundingClientRect().right, overflow: getComputedStyle(scroll).overflowX,
                    chartRight: r('#metric-chart').right, chartBoxRight: r('#metric-chart-box').right };
                }""");
        Browser.screenshot(page, "12d-models-fit-1440");
        double viewport = ((Number) box.get("viewport")).doubleValue();
        assertThat(((Number) box.get("page")).doubleValue())
                .as("no page-level horizontal scroll")
                .isLessThanOrEqualTo(viewport);
        assertThat(num(box, "scrollRight")).as("versions box inside the window").isLessThanOrEqualTo(viewport);
        assertThat(num(box, "tableRight"))
                .as("versions table inside its box at 1440 px")
                .isLessThanOrEqualTo(num(box, "scrollRight"));
        assertThat(num(box, "runHeadRight"))
                .as("'From run' column visible")
                .isLessThanOrEqualTo(num(box, "scrollRight"));
        assertThat(box.get("overflow")).as("a wider table scrolls in its box").isEqualTo("auto");
        assertThat(num(box, "chartRight")).as("chart inside its box").isLessThanOrEqualTo(num(box, "chartBoxRight"));
        assertThat(num(box, "chartBoxRight")).as("chart box inside the window").isLessThanOrEqualTo(viewport);

        // A version's detail: its kind, framework and the params its training logged (here the bundle's).
        rows.nth(0).getByText("v4").click();
        Locator detail = page.locator("#version-detail");
        assertThat(detail).containsText("ONNX");
        assertThat(detail).containsText("sklearn");
        assertThat(detail).containsText("max_iter");
        assertThat(detail).containsText("0.9221"); // roc_auc of v4

        // Compare v1 and v3: both versions' metrics side by side, the differing rows marked.
        assertThat(page.locator("#compare-btn")).isDisabled();
        page.locator("#versions-table tr[data-version='1'] input.pick").check();
        page.locator("#versions-table tr[data-version='3'] input.pick").check();
        page.locator("#compare-btn").click();
        Locator compare = page.locator("#compare-table");
        assertThat(compare.locator("thead th[data-version]")).hasCount(2);
        Locator rocAuc = compare.locator("tr[data-name='roc_auc']");
        assertThat(rocAuc).containsText("0.9191");
        assertThat(rocAuc).containsText("0.9211");
        assertThat(rocAuc).hasClass(Pattern.compile("differs"));
        assertThat(compare.locator("tr[data-name='max_depth']")).containsText("4");
        assertThat(compare.locator("tr[data-name='max_depth']")).containsText("6");
        assertThat(compare.locator("tr[data-name='precision']")).not().hasClass(Pattern.compile("differs"));
        Browser.screenshot(page, "12e-models-compare");
        // The comparison is a link: reopening it shows the same versions.
        page.reload();
        assertThat(page.locator("#compare-table thead th[data-version]")).hasCount(2);

        // More metric columns than the window holds: the table scrolls inside its box, the page does not.
        page.setViewportSize(900, 900);
        page.waitForFunction("() => { const s = document.querySelector('#versions-scroll');"
                + " return s.scrollWidth > s.clientWidth; }");
        // Chart.js follows its box through a ResizeObserver, a frame or more after the window shrank: until then the
        // old canvas width may stick out. What must hold is the settled layout, so wait for it (and fail if it never
        // settles) rather than sampling the frame right after the resize.
        page.waitForFunction(
                "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth",
                null,
                new Page.WaitForFunctionOptions().setTimeout(10_000));
        assertThat(num(box(page), "page"))
                .as("no page-level horizontal scroll at 900 px")
                .isLessThanOrEqualTo(900);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> box(Page page) {
        return (Map<String, Object>) page.evaluate("() => ({ page: document.documentElement.scrollWidth })");
    }

    private static double num(Map<String, Object> m, String key) {
        return ((Number) m.get(key)).doubleValue();
    }

    @Test
    @Order(13)
    void bodilessWritesAndSignOutGoThroughTheCrossSiteCheck() throws Exception {
        Page page = Browser.signIn(browser.newPage(), base, "admin");
        // The dashboard's own fetch helper, as pages call it: bodiless POST and DELETE reach their routes (404 for
        // unknown ids), not a 403/415 from the cross-site check.
        Object statuses = page.evaluate("""
                async () => {
                  const api = await import('/ui/js/api.js');
                  const out = [];
                  for (const call of [() => api.post('/dags/ui_params/runs/no_such_run/cancel'), () => api.del('/tokens/999999'),
                                      () => api.api('/dags/ui_params/runs/no_such_run/clear-failed', { method: 'POST' })]) {
                    try { await call(); out.push('ok'); } catch (e) { out.push(e.status); }
                  }
                  return out.join(',');
                }""");
        assertThat(statuses).isEqualTo("404,404,404");
        String session = page.context().cookies().stream()
                .filter(c -> c.name.equals("sluice_session"))
                .findFirst()
                .orElseThrow()
                .value;
        page.locator("#logout").click();
        assertThat(page.locator("#signin-title")).isVisible();
        // The logout POST itself passed: the old cookie no longer opens a session on the server.
        var me = java.net.http.HttpClient.newHttpClient()
                .send(
                        java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/api/v1/auth/me"))
                                .header("Cookie", "sluice_session=" + session)
                                .build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(me.statusCode()).isEqualTo(401);
    }

    @Test
    @Order(14)
    void aPageOnAnotherPortOfTheSameHostCannotWriteWithTheOperatorsCookie() throws Exception {
        // The attack of the security test: same site (127.0.0.1), other origin (another port), SameSite=Strict cookie.
        String target = base + "/api/v1/dags/ui_params/runs";
        String attack = """
                <!doctype html><html><body>
                <form id="f" method="post" enctype="text/plain" action="%s"><input name='{"params":{},"x":"' value='"}'></form>
                <script>
                  fetch('%s', { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'Content-Type': 'text/plain' },
                                body: '{"params":{}}' }).finally(() => document.getElementById('f').submit());
                </script></body></html>""".formatted(target, target);
        com.sun.net.httpserver.HttpServer evil =
                com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        evil.createContext("/", ex -> {
            byte[] b = attack.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "text/html; charset=utf-8");
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        evil.start();
        try {
            Page page = Browser.signIn(browser.newPage(), base, "operator");
            int before = get(page, "/api/v1/runs?dag_id=ui_params&limit=500")
                    .get("items")
                    .size();
            java.util.List<Integer> answers = new java.util.concurrent.CopyOnWriteArrayList<>();
            page.onResponse(r -> {
                if (r.url().equals(target) && r.request().method().equals("POST")) answers.add(r.status());
            });
            page.navigate("http://127.0.0.1:" + evil.getAddress().getPort() + "/");
            page.waitForURL(target);
            org.awaitility.Awaitility.await()
                    .atMost(java.time.Duration.ofSeconds(10))
                    .until(() -> answers.size() == 2);
            assertThat(answers).containsExactly(403, 403);
            assertThat(page.content()).contains("cross-origin write refused");
            Page check = browser.newPage();
            Browser.signIn(check, base, "operator");
            assertThat(get(check, "/api/v1/runs?dag_id=ui_params&limit=500")
                            .get("items")
                            .size())
                    .as("no run was created")
                    .isEqualTo(before);
        } finally {
            evil.stop(0);
        }
    }

    @Test
    @Order(15)
    void apiDocsRenderUnderTheContentSecurityPolicy() {
        Page page = browser.newPage();
        page.navigate(base + "/api/v1/docs");
        assertThat(page.locator(".swagger-ui .opblock").first()).isVisible();
        assertThat(page.locator(
                                ".swagger-ui .opblock-summary-path",
                                new Page.LocatorOptions().setHasText("/dags/{dag_id}/runs"))
                        .first())
                .isVisible();
        // A policy violation (inline script or style) is a console error: noScriptErrors fails the test on it.
    }

    /** A write with the page's session cookie, from the dashboard's own origin as the server requires of cookie writes. */
    private APIResponse apiPost(Page page, String path, RequestOptions options) {
        return page.request().post(base + path, options.setHeader("Origin", base));
    }

    private JsonNode get(Page page, String path) throws Exception {
        APIResponse r = page.request().get(base + path);
        assertThat(r.status()).as("GET " + path).isEqualTo(200);
        return JSON.readTree(r.text());
    }
}
