package dev.sluice.task.builtin;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.task.ConfigField;
import dev.sluice.task.Durations;
import dev.sluice.task.FieldType;
import dev.sluice.task.TaskContext;
import dev.sluice.task.TaskFailedException;
import dev.sluice.task.TaskResult;
import dev.sluice.task.TaskType;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Sends one HTTP request and checks the status and, optionally, the body. */
public final class HttpTask implements TaskType {
    private static final ObjectMapper JSON = new ObjectMapper();
    // Shared with sensor.http, so both send requests the same way (redirects, connection reuse).
    static final HttpClient CLIENT =
            HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).build();

    @Override
    public String name() {
        return "http";
    }

    @Override
    public String description() {
        return "Sends an HTTP request and checks the response";
    }

    @Override
    public List<ConfigField> configFields() {
        return List.of(
                ConfigField.required("url", FieldType.STRING, "request URL"),
                ConfigField.optional("method", FieldType.STRING, "GET", "GET, POST, PUT, PATCH, DELETE or HEAD"),
                ConfigField.optional("headers", FieldType.MAP, Map.of(), "request headers"),
                ConfigField.optional("body", FieldType.ANY, null, "request body: a string, or a mapping sent as JSON"),
                ConfigField.optional(
                        "expect_status", FieldType.ANY, null, "status code or list of codes; default any 2xx"),
                ConfigField.optional(
                        "expect_body_contains", FieldType.STRING, null, "text the response body must contain"),
                ConfigField.optional("request_timeout", FieldType.DURATION, "30s", "time allowed for the response"),
                ConfigField.optional(
                        "output_json", FieldType.BOOLEAN, false, "parse a JSON object response as the task's output"));
    }

    @Override
    public List<String> validate(Map<String, Object> config) {
        List<String> errors = new ArrayList<>();
        Object m = config.get("method");
        if (m instanceof String s
                && !List.of("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD").contains(s)) {
            errors.add("method: unknown HTTP method \"" + s + "\"");
        }
        Object es = config.get("expect_status");
        if (es != null
                && !(es instanceof Integer)
                && !(es instanceof List<?> l && l.stream().allMatch(x -> x instanceof Integer))) {
            errors.add("expect_status: expected a status code or a list of codes");
        }
        return errors;
    }

    @Override
    @SuppressWarnings("unchecked")
    public TaskResult execute(TaskContext ctx) throws Exception {
        Map<String, Object> c = ctx.config();
        String method = String.valueOf(c.getOrDefault("method", "GET"));
        Object body = c.get("body");
        String bodyText = body == null ? null : body instanceof String s ? s : JSON.writeValueAsString(body);
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create((String) c.get("url")))
                .timeout(Durations.parse(String.valueOf(c.getOrDefault("request_timeout", "30s"))))
                .method(
                        method,
                        bodyText == null
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofString(bodyText));
        if (body instanceof Map) req.header("Content-Type", "application/json");
        ((Map<String, Object>) c.getOrDefault("headers", Map.of())).forEach((k, v) -> req.header(k, String.valueOf(v)));
        ctx.log().println(method + " " + c.get("url"));
        HttpResponse<String> resp = CLIENT.send(req.build(), HttpResponse.BodyHandlers.ofString());
        ctx.log().println("status " + resp.statusCode() + ", " + resp.body().length() + " chars");
        Object es = c.get("expect_status");
        boolean statusOk = es == null
                ? resp.statusCode() / 100 == 2
                : es instanceof Integer i ? resp.statusCode() == i : ((List<Integer>) es).contains(resp.statusCode());
        if (!statusOk) {
            throw new TaskFailedException("unexpected status " + resp.statusCode() + " from " + c.get("url")
                    + "; body starts: " + abbreviate(resp.body()));
        }
        if (c.get("expect_body_contains") instanceof String needle
                && !resp.body().contains(needle)) {
            throw new TaskFailedException(
                    "response body does not contain \"" + needle + "\"; body starts: " + abbreviate(resp.body()));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("status", resp.statusCode());
        if (Boolean.TRUE.equals(c.get("output_json"))) {
            Object parsed = JSON.readValue(resp.body(), Object.class);
            if (parsed instanceof Map<?, ?> m) out.putAll((Map<String, Object>) m);
            else throw new TaskFailedException("output_json: response is not a JSON object");
        }
        return TaskResult.of(out);
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "…";
    }
}
