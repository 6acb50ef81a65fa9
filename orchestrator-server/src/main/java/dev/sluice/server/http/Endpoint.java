package dev.sluice.server.http;

import dev.sluice.server.auth.Role;
import java.lang.reflect.Type;
import java.util.List;

/**
 * What one route is: method, path (relative to /api/v1, Javalin syntax), the role it needs (null: open), and
 * the request and response types. The OpenAPI document and the auth test are generated from these, so what is
 * documented is what is served. {@code read} marks a POST that changes nothing (its input only fits in a body,
 * as with predictions), so it may be open to viewers.
 */
public record Endpoint(
        String method,
        String path,
        Role role,
        String summary,
        Class<?> body,
        Type response,
        int status,
        List<String> queryParams,
        String contentType,
        boolean read) {

    public static Endpoint get(String path, Role role, String summary) {
        return new Endpoint("GET", path, role, summary, null, null, 200, List.of(), "application/json", false);
    }

    public static Endpoint post(String path, Role role, String summary) {
        return new Endpoint("POST", path, role, summary, null, null, 200, List.of(), "application/json", false);
    }

    public static Endpoint patch(String path, Role role, String summary) {
        return new Endpoint("PATCH", path, role, summary, null, null, 200, List.of(), "application/json", false);
    }

    public static Endpoint delete(String path, Role role, String summary) {
        return new Endpoint("DELETE", path, role, summary, null, null, 204, List.of(), "application/json", false);
    }

    public Endpoint body(Class<?> type) {
        return new Endpoint(method, path, role, summary, type, response, status, queryParams, contentType, read);
    }

    public Endpoint returns(Type type) {
        return new Endpoint(method, path, role, summary, body, type, status, queryParams, contentType, read);
    }

    public Endpoint status(int code) {
        return new Endpoint(method, path, role, summary, body, response, code, queryParams, contentType, read);
    }

    public Endpoint query(String... names) {
        return new Endpoint(method, path, role, summary, body, response, status, List.of(names), contentType, read);
    }

    public Endpoint produces(String type) {
        return new Endpoint(method, path, role, summary, body, response, status, queryParams, type, read);
    }

    /** A POST that only reads: documented and authorised like a GET. */
    public Endpoint readOnly() {
        return new Endpoint(method, path, role, summary, body, response, status, queryParams, contentType, true);
    }

    public boolean changesState() {
        return !read && !method.equals("GET");
    }

    /** Path parameter names, in order: {@code /dags/{dag_id}} → [dag_id]. */
    public List<String> pathParams() {
        var m = java.util.regex.Pattern.compile("\\{([^}]+)}").matcher(path);
        List<String> out = new java.util.ArrayList<>();
        while (m.find()) out.add(m.group(1));
        return out;
    }
}
