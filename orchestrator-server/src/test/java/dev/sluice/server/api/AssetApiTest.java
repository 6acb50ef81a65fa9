package dev.sluice.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.server.auth.Role;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Assets through the API: an update posted from outside triggers the DAG scheduled on it, whose run shows the
 * event; bad input is a 4xx naming the field; listing and reading need a viewer, posting an operator.
 */
class AssetApiTest {
    static final String URI = "s3://warehouse/api-test/orders.parquet";
    static final String PRODUCER_DAG = """
            id: asset_api_producer
            tasks:
              - id: publish
                type: noop
                outlets: [s3://warehouse/api-test/orders.parquet]
            """;
    static final String CONSUMER_DAG = """
            id: asset_api_consumer
            schedule: { assets: [s3://warehouse/api-test/orders.parquet] }
            tasks:
              - id: use
                type: shell
                config: { command: "echo rows={{ triggering_asset_events['s3://warehouse/api-test/orders.parquet'][0].extra.rows }}" }
            """;
    static ApiServer server;

    @BeforeAll
    static void start() throws Exception {
        server = ApiServer.shared();
        var dags = server.app.config.home().resolve("dags");
        Files.writeString(dags.resolve("asset_api_producer.yaml"), PRODUCER_DAG);
        Files.writeString(dags.resolve("asset_api_consumer.yaml"), CONSUMER_DAG);
        server.app.dagSync.sync();
    }

    private static String encoded(String uri) {
        return URLEncoder.encode(uri, StandardCharsets.UTF_8);
    }

    @Test
    void an_external_update_triggers_the_consumer_whose_run_shows_the_event() {
        var posted =
                server.post("/assets/events", Role.OPERATOR, "{\"uri\": \"" + URI + "\", \"extra\": {\"rows\": 1234}}");
        assertThat(posted.status()).as(posted.body()).isEqualTo(201);
        assertThat(posted.json().path("uri").asText()).isEqualTo(URI);
        assertThat(posted.json().path("source").asText()).isEqualTo("api");
        assertThat(posted.json().path("created_by").asText()).isEqualTo("token:operator");
        assertThat(posted.json().path("extra").path("rows").asInt()).isEqualTo(1234);

        // the scheduler's asset trigger creates the run; its logical date is the time of triggering
        JsonNode run = await().atMost(Duration.ofSeconds(30))
                .until(
                        () -> server.get("/runs?dag_id=asset_api_consumer", Role.VIEWER)
                                .json()
                                .path("items")
                                .path(0),
                        r -> !r.isMissingNode() && r.path("state").asText().equals("success"));
        assertThat(run.path("run_type").asText()).isEqualTo("asset");
        String runId = run.path("run_id").asText();
        JsonNode events = server.get("/dags/asset_api_consumer/runs/" + runId + "/asset-events", Role.VIEWER)
                .json()
                .path("triggering_asset_events")
                .path(URI);
        assertThat(events.size()).isEqualTo(1);
        assertThat(events.path(0).path("extra").path("rows").asInt()).isEqualTo(1234);
        assertThat(events.path(0).path("id").asLong())
                .isEqualTo(posted.json().path("id").asLong());

        // the asset's page: producers, consumers and latest events, by URL-encoded URI or by id
        JsonNode asset = server.get("/assets/" + encoded(URI), Role.VIEWER).json();
        assertThat(asset.path("uri").asText()).isEqualTo(URI);
        assertThat(asset.path("producers").toString()).contains("\"dag_id\":\"asset_api_producer\"", "\"publish\"");
        assertThat(asset.path("consumers").toString()).isEqualTo("[\"asset_api_consumer\"]");
        assertThat(asset.path("latest_events")
                        .path(0)
                        .path("extra")
                        .path("rows")
                        .asInt())
                .isEqualTo(1234);
        long id = asset.path("id").asLong();
        assertThat(server.get("/assets/" + id, Role.VIEWER).json().path("uri").asText())
                .isEqualTo(URI);
        JsonNode listed = server.get("/assets", Role.VIEWER).json().path("items");
        boolean found = false;
        for (JsonNode a : listed) {
            if (a.path("uri").asText().equals(URI)) {
                found = true;
                assertThat(a.path("producers").toString())
                        .isEqualTo("[{\"dag_id\":\"asset_api_producer\",\"task_id\":\"publish\"}]");
                assertThat(a.path("consumers").toString()).isEqualTo("[\"asset_api_consumer\"]");
                assertThat(a.path("latest_event").path("source").asText()).isIn("api", "task");
            }
        }
        assertThat(found).as(listed.toString()).isTrue();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            {}                                                  | 400 | uri   | field 'uri' is required
            {"uri": ""}                                         | 400 | uri   | field 'uri' is required
            {"uri": "no scheme here"}                           | 400 | uri   | must not contain spaces
            {"uri": "relative/path"}                            | 400 | uri   | must start with a scheme
            {"uri": 42}                                         | 400 | uri   | uri
            {"uri": "s3://warehouse/api-test/orders.parquet", "extra": [1]} | 400 | extra | extra
            {"uri": "s3://warehouse/api-test/orders.parquet", "extra": "x"} | 400 | extra | extra
            {"uri": "s3://nobody/names/this"}                   | 404 | uri   | no asset s3://nobody/names/this
            {"uri": "s3://x", "surprise": 1}                    | 400 | surprise | surprise
            """)
    void bad_input_is_a_4xx_naming_the_field(String body, int status, String field, String message) {
        var answer = server.post("/assets/events", Role.OPERATOR, body);
        assertThat(answer.status()).as(answer.body()).isEqualTo(status);
        assertThat(answer.json().path("field").asText()).isEqualTo(field);
        assertThat(answer.json().path("error").asText()).contains(message);
    }

    @Test
    void extra_is_limited_and_a_long_uri_is_refused() {
        String big = "x".repeat(70 * 1024);
        var tooBig = server.post(
                "/assets/events", Role.OPERATOR, "{\"uri\": \"" + URI + "\", \"extra\": {\"blob\": \"" + big + "\"}}");
        assertThat(tooBig.status()).as(tooBig.body()).isEqualTo(400);
        assertThat(tooBig.json().path("field").asText()).isEqualTo("extra");
        var longUri = server.post("/assets/events", Role.OPERATOR, "{\"uri\": \"s3://" + "a".repeat(1001) + "\"}");
        assertThat(longUri.status()).as(longUri.body()).isEqualTo(400);
        assertThat(longUri.json().path("field").asText()).isEqualTo("uri");
    }

    @Test
    void viewers_read_and_only_operators_post() {
        assertThat(server.post("/assets/events", Role.VIEWER, "{\"uri\": \"" + URI + "\"}")
                        .status())
                .isEqualTo(403);
        assertThat(server.send("POST", "/assets/events", null, "{\"uri\": \"" + URI + "\"}")
                        .status())
                .isEqualTo(401);
        assertThat(server.get("/assets", Role.VIEWER).status()).isEqualTo(200);
        assertThat(server.get("/assets/" + encoded("s3://no/such"), Role.VIEWER).status())
                .isEqualTo(404);
        assertThat(server.get("/assets/999999", Role.VIEWER).status()).isEqualTo(404);
        assertThat(server.get("/dags/ok_dag/runs/no_such_run/asset-events", Role.VIEWER)
                        .status())
                .isEqualTo(404);
    }
}
