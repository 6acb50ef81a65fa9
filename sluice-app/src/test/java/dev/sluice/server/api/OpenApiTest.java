package dev.sluice.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.server.http.RouteTable;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The OpenAPI document lists exactly the routes Javalin serves under /api/v1, whichever way they were added. */
class OpenApiTest {

    @Test
    void document_matches_the_registered_routes_both_ways() throws Exception {
        ApiServer server = ApiServer.shared();
        var doc = server.get("/openapi.json", null);
        assertThat(doc.status()).isEqualTo(200);
        Set<String> documented = new TreeSet<>();
        doc.json()
                .path("paths")
                .fields()
                .forEachRemaining(p -> p.getValue()
                        .fieldNames()
                        .forEachRemaining(m -> documented.add(m.toUpperCase() + " " + RouteTable.PREFIX + p.getKey())));
        Set<String> served = new TreeSet<>();
        for (String h : server.app.http().registeredHandlers()) {
            if (h.contains(" " + RouteTable.PREFIX + "/")) served.add(h);
        }
        assertThat(documented).isEqualTo(served);
        // The routes ml-registry contributes through ApiExtension are served and documented like the server's own.
        assertThat(documented)
                .contains(
                        "GET " + RouteTable.PREFIX + "/models",
                        "POST " + RouteTable.PREFIX + "/models/{name}/predict",
                        "GET " + RouteTable.PREFIX + "/experiments");
    }

    @Test
    void schemas_use_the_wire_names_and_roles_are_documented() throws Exception {
        var doc = ApiServer.shared().get("/openapi.json", null).json();
        var run = doc.path("components").path("schemas").path("RunView").path("properties");
        assertThat(run.has("run_id")).isTrue();
        assertThat(run.path("logical_date").path("format").asText()).isEqualTo("date-time");
        assertThat(doc.path("components")
                        .path("schemas")
                        .path("ParamView")
                        .path("properties")
                        .has("default"))
                .isTrue();
        var trigger = doc.path("paths").path("/dags/{dag_id}/runs").path("post");
        assertThat(trigger.path("x-required-role").asText()).isEqualTo("operator");
        assertThat(trigger.path("responses").has("201")).isTrue();
        assertThat(trigger.path("requestBody")
                        .path("content")
                        .path("application/json")
                        .path("schema")
                        .path("$ref")
                        .asText())
                .endsWith("/Trigger");
        var list = doc.path("paths")
                .path("/runs")
                .path("get")
                .path("responses")
                .path("200")
                .path("content")
                .path("application/json")
                .path("schema")
                .path("properties");
        assertThat(list.path("items").path("items").path("$ref").asText()).endsWith("/RunView");
        assertThat(list.has("next_cursor")).isTrue();
    }

    @Test
    void docs_page_loads_swagger_ui_from_the_webjar() throws Exception {
        ApiServer server = ApiServer.shared();
        var page = server.get("/docs", null);
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.body()).contains("swagger-ui-bundle.js", "/ui/js/api-docs.js");
        assertThat(server.page("/ui/js/api-docs.js").body()).contains("/api/v1/openapi.json");
        var js = server.http.send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://localhost:" + server.app.httpPort()
                                + "/webjars/swagger-ui/5.34.1/swagger-ui-bundle.js"))
                        .build(),
                java.net.http.HttpResponse.BodyHandlers.discarding());
        assertThat(js.statusCode()).isEqualTo(200);
    }
}
