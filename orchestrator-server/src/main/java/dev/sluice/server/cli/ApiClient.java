package dev.sluice.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.server.http.ApiJson;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * How the client commands reach a running server: {@code --url}/{@code --token}, else SLUICE_URL/SLUICE_TOKEN.
 * A picocli mixin, so every client command takes the same two options.
 */
final class ApiClient {
    @Option(names = "--url", description = "server URL (default: $SLUICE_URL or http://localhost:8080)")
    String url;

    @Option(names = "--token", description = "API token (default: $SLUICE_TOKEN)")
    String token;

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    /** An error answer from the server, with its message and field, for a one-line report. */
    static final class ApiCallException extends RuntimeException {
        ApiCallException(String message) {
            super(message);
        }
    }

    String base() {
        String u = url != null ? url : System.getenv().getOrDefault("SLUICE_URL", "http://localhost:8080");
        return (u.endsWith("/") ? u.substring(0, u.length() - 1) : u) + "/api/v1";
    }

    JsonNode get(String path) {
        return send("GET", path, null);
    }

    JsonNode post(String path, Object body) {
        return send("POST", path, body);
    }

    JsonNode send(String method, String path, Object body) {
        String t = token != null ? token : System.getenv("SLUICE_TOKEN");
        try {
            var b = HttpRequest.newBuilder(URI.create(base() + path))
                    .timeout(Duration.ofSeconds(60))
                    .method(
                            method,
                            body == null
                                    ? HttpRequest.BodyPublishers.noBody()
                                    : HttpRequest.BodyPublishers.ofString(ApiJson.MAPPER.writeValueAsString(body)))
                    .header("Content-Type", "application/json");
            if (t != null && !t.isBlank()) b.header("Authorization", "Bearer " + t);
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode json = r.body().isBlank() ? ApiJson.MAPPER.createObjectNode() : ApiJson.MAPPER.readTree(r.body());
            if (r.statusCode() >= 400) {
                String field = json.path("field").isTextual()
                        ? " (field " + json.path("field").asText() + ")"
                        : "";
                throw new ApiCallException(
                        "HTTP " + r.statusCode() + ": " + json.path("error").asText(r.body()) + field);
            }
            return json;
        } catch (IOException e) {
            throw new ApiCallException("cannot reach " + base() + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiCallException("interrupted");
        }
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
