package dev.sluice.task.builtin;

import dev.sluice.task.ConfigField;
import dev.sluice.task.Durations;
import dev.sluice.task.FieldType;
import dev.sluice.task.TaskContext;
import dev.sluice.task.TaskFailedException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Waits until a GET of {@code url} answers {@code expect_status} (and, if set, a body containing
 * {@code expect_body_contains}). Sent with the {@code http} type's client; a connection error is one more "not
 * yet", as the service may simply not be up.
 */
public final class HttpSensor extends Sensor {
    @Override
    public String name() {
        return "sensor.http";
    }

    @Override
    public String description() {
        return "Waits until a URL answers the expected status (and body)";
    }

    @Override
    List<ConfigField> sensorFields() {
        return List.of(
                ConfigField.required("url", FieldType.STRING, "URL to GET"),
                ConfigField.optional("headers", FieldType.MAP, Map.of(), "request headers"),
                ConfigField.optional("expect_status", FieldType.INTEGER, 200, "the status that means ready"),
                ConfigField.optional(
                        "expect_body_contains", FieldType.STRING, null, "text the body must contain as well"),
                ConfigField.optional("request_timeout", FieldType.DURATION, "30s", "time allowed for one response"));
    }

    @Override
    List<String> validateSensor(Map<String, Object> config) {
        List<String> problems = new ArrayList<>();
        if (config.get("url") instanceof String u && u.isBlank()) problems.add("url: must not be empty");
        if (config.get("expect_status") instanceof Integer s && (s < 100 || s > 599))
            problems.add("expect_status: expected an HTTP status (100-599), got " + s);
        return problems;
    }

    @Override
    @SuppressWarnings("unchecked")
    Poke poke(TaskContext ctx) throws Exception {
        Map<String, Object> c = ctx.config();
        String url = String.valueOf(c.get("url"));
        int expect;
        try {
            expect = Integer.parseInt(
                    String.valueOf(c.getOrDefault("expect_status", 200)).strip());
        } catch (NumberFormatException e) {
            throw new TaskFailedException(
                    "expect_status: expected an HTTP status, got \"" + c.get("expect_status") + "\"");
        }
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(url))
                .timeout(Durations.parse(String.valueOf(c.getOrDefault("request_timeout", "30s"))))
                .GET();
        ((Map<String, Object>) c.getOrDefault("headers", Map.of())).forEach((k, v) -> req.header(k, String.valueOf(v)));
        HttpResponse<String> resp;
        try {
            resp = HttpTask.CLIENT.send(req.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return Poke.no("GET " + url + ": " + e);
        }
        String seen = "GET " + url + " status " + resp.statusCode();
        if (resp.statusCode() != expect) return Poke.no(seen);
        if (c.get("expect_body_contains") instanceof String needle
                && !resp.body().contains(needle)) {
            return Poke.no(seen + ", body without \"" + needle + "\"");
        }
        return new Poke(true, seen, Map.of("status", resp.statusCode()));
    }
}
