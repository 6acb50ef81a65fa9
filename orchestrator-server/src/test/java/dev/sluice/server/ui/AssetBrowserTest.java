package dev.sluice.server.ui;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.assertions.LocatorAssertions;
import com.microsoft.playwright.options.RequestOptions;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * An asset updated from outside: the Assets page lists it with its producer and consumer, its page shows the
 * event, and the DAG scheduled on it shows the asset where other DAGs show a cron.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AssetBrowserTest {
    static final String URI = "s3://lake/ui/orders.parquet";
    static final String PRODUCER = """
            id: ui_asset_producer
            tasks:
              - { id: publish, type: noop, outlets: ["s3://lake/ui/orders.parquet"] }
            """;
    static final String CONSUMER = """
            id: ui_asset_consumer
            schedule: { assets: ["s3://lake/ui/orders.parquet"], when: any }
            tasks:
              - { id: use, type: noop }
            """;
    private UiServer server;
    private Browser browser;

    @BeforeAll
    void start() throws Exception {
        browser = new Browser();
        server = UiServer.start(Map.of("ui_asset_producer.yaml", PRODUCER, "ui_asset_consumer.yaml", CONSUMER));
    }

    @AfterAll
    void stop() {
        if (browser != null) browser.close();
        if (server != null) server.close();
    }

    @Test
    void an_assets_page_shows_producers_consumers_and_the_latest_events() throws Exception {
        String base = server.base();
        Page page = Browser.signIn(browser.newPage(), base, "operator");
        var posted = page.request()
                .post(
                        base + "/api/v1/assets/events",
                        RequestOptions.create()
                                .setHeader("Origin", base)
                                .setData(Map.of("uri", URI, "extra", Map.of("rows", 1234))));
        assertThat(posted.status()).as(posted.text()).isEqualTo(201);
        long id = new ObjectMapper()
                .readTree(page.request().get(base + "/api/v1/assets").text())
                .path("items")
                .path(0)
                .path("id")
                .asLong();

        page.navigate(base + "/ui/#/assets");
        var row = page.locator("#assets-table tr[data-asset='" + URI + "']");
        assertThat(row).containsText("ui_asset_producer › publish");
        assertThat(row).containsText("ui_asset_consumer");
        Browser.screenshot(page, "assets-list");

        row.locator("a").first().click();
        assertThat(page.locator("#asset-uri")).hasText(URI);
        assertThat(page.locator("#asset-producers")).containsText("ui_asset_producer › publish");
        assertThat(page.locator("#asset-consumers")).containsText("ui_asset_consumer");
        assertThat(page.locator("#asset-events tbody tr").first())
                .containsText("API · operator", new LocatorAssertions.ContainsTextOptions().setTimeout(10_000));
        assertThat(page.locator("#asset-events tbody tr").first()).containsText("{\"rows\":1234}");
        assertThat(page.url()).endsWith("#/assets/" + id);
        Browser.screenshot(page, "asset-page");

        // the consumer DAG shows its asset instead of a cron, linked to the asset's page
        page.navigate(base + "/ui/#/dags/ui_asset_consumer/grid");
        assertThat(page.locator("#dag-schedule")).containsText("on any of " + URI);
        page.locator("#dag-schedule a").click();
        assertThat(page.locator("#asset-uri")).hasText(URI);
    }
}
