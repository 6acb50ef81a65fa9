package dev.sluice.server.openapi;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.server.http.ApiError;
import dev.sluice.server.http.Endpoint;
import dev.sluice.server.http.RouteTable;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The OpenAPI 3 document, generated from the route table: paths from the endpoints, schemas from the record
 * types through Jackson's own view of them (so snake_case and {@code @JsonProperty} names match the wire).
 * Nothing here is written by hand, so it cannot drift from what the server does.
 */
public final class OpenApiDocument {
    private final ObjectMapper mapper;
    private final ObjectNode schemas;

    private OpenApiDocument(ObjectMapper mapper) {
        this.mapper = mapper;
        this.schemas = mapper.createObjectNode();
    }

    public static ObjectNode generate(ObjectMapper mapper, List<Endpoint> endpoints) {
        return new OpenApiDocument(mapper).build(endpoints);
    }

    private ObjectNode build(List<Endpoint> endpoints) {
        ObjectNode doc = mapper.createObjectNode();
        doc.put("openapi", "3.0.3");
        doc.putObject("info")
                .put("title", "Sluice API")
                .put("version", "v1")
                .put("description", "Workflow orchestrator for ML pipelines. Errors are {error, field, retryable}.");
        doc.putArray("servers").addObject().put("url", RouteTable.PREFIX);
        ObjectNode sec = doc.putObject("components").putObject("securitySchemes");
        sec.putObject("bearer").put("type", "http").put("scheme", "bearer");
        sec.putObject("session").put("type", "apiKey").put("in", "cookie").put("name", "sluice_session");
        ObjectNode paths = doc.putObject("paths");
        for (Endpoint e : endpoints) {
            ObjectNode item = paths.has(e.path()) ? (ObjectNode) paths.get(e.path()) : paths.putObject(e.path());
            ObjectNode op = item.putObject(e.method().toLowerCase());
            op.put("summary", e.summary());
            op.put("operationId", e.method().toLowerCase() + e.path().replaceAll("[^A-Za-z0-9]+", "_"));
            if (e.role() == null) op.putArray("security");
            else {
                op.put("x-required-role", e.role().apiName());
                ArrayNode security = op.putArray("security");
                security.addObject().putArray("bearer");
                security.addObject().putArray("session");
            }
            ArrayNode params = op.putArray("parameters");
            for (String p : e.pathParams()) {
                params.addObject()
                        .put("name", p)
                        .put("in", "path")
                        .put("required", true)
                        .putObject("schema")
                        .put("type", "string");
            }
            for (String q : e.queryParams()) {
                params.addObject()
                        .put("name", q)
                        .put("in", "query")
                        .put("required", false)
                        .putObject("schema")
                        .put("type", "string");
            }
            if (e.body() != null) {
                op.putObject("requestBody")
                        .put("required", true)
                        .putObject("content")
                        .putObject("application/json")
                        .set("schema", schema(e.body()));
            }
            ObjectNode responses = op.putObject("responses");
            ObjectNode ok = responses.putObject(Integer.toString(e.status())).put("description", "OK");
            if (e.response() != null)
                ok.putObject("content").putObject(e.contentType()).set("schema", schema(e.response()));
            else if (e.status() != 204)
                ok.putObject("content")
                        .putObject(e.contentType())
                        .putObject("schema")
                        .put("type", "string");
            for (int code : e.role() == null
                    ? List.of(400)
                    : e.changesState() ? List.of(400, 401, 403, 404, 409, 413) : List.of(400, 401, 403, 404)) {
                responses
                        .putObject(Integer.toString(code))
                        .put("description", "error")
                        .putObject("content")
                        .putObject("application/json")
                        .set("schema", schema(ApiError.class));
            }
        }
        ((ObjectNode) doc.get("components")).set("schemas", schemas);
        return doc;
    }

    ObjectNode schema(Type type) {
        ObjectNode s = mapper.createObjectNode();
        Class<?> raw = type instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) type;
        if (raw == String.class) return s.put("type", "string");
        if (raw == Instant.class) return s.put("type", "string").put("format", "date-time");
        if (raw == LocalDate.class) return s.put("type", "string").put("format", "date");
        if (raw == Duration.class)
            return s.put("type", "string").put("format", "duration").put("example", "PT1H");
        if (raw == boolean.class || raw == Boolean.class) return s.put("type", "boolean");
        if (raw == int.class || raw == Integer.class)
            return s.put("type", "integer").put("format", "int32");
        if (raw == long.class || raw == Long.class)
            return s.put("type", "integer").put("format", "int64");
        if (raw == double.class || raw == Double.class) return s.put("type", "number");
        if (raw == Object.class) return s;
        if (Collection.class.isAssignableFrom(raw)) {
            s.put("type", "array");
            s.set(
                    "items",
                    type instanceof ParameterizedType p
                            ? schema(p.getActualTypeArguments()[0])
                            : mapper.createObjectNode());
            return s;
        }
        if (Map.class.isAssignableFrom(raw)) {
            s.put("type", "object");
            s.set(
                    "additionalProperties",
                    type instanceof ParameterizedType p
                            ? schema(p.getActualTypeArguments()[1])
                            : mapper.createObjectNode());
            return s;
        }
        if (type instanceof ParameterizedType p)
            return object(mapper.getTypeFactory().constructType(p), true);
        String name = raw.getSimpleName();
        if (!schemas.has(name)) {
            schemas.putObject(name); // placeholder first: a record may refer to itself
            schemas.set(name, object(mapper.getTypeFactory().constructType(raw), false));
        }
        return s.put("$ref", "#/components/schemas/" + name);
    }

    /** An object schema from Jackson's serialization view of the type; generic records are inlined. */
    private ObjectNode object(JavaType type, boolean inline) {
        ObjectNode s = mapper.createObjectNode().put("type", "object");
        ObjectNode props = s.putObject("properties");
        var desc = mapper.getSerializationConfig().introspect(type);
        for (BeanPropertyDefinition p : desc.findProperties()) {
            if (!p.couldSerialize()) continue;
            Type t = p.getAccessor().getType().isTypeOrSubTypeOf(Object.class)
                                    && p.getAccessor().getType().hasGenericTypes()
                            || p.getAccessor().getType().isContainerType()
                    ? resolve(p.getAccessor().getType())
                    : p.getAccessor().getType().getRawClass();
            props.set(p.getName(), schema(t));
        }
        return s;
    }

    /** Jackson's resolved type back into a reflection type, with type arguments (List<RunView>, Map<String,X>). */
    private static Type resolve(JavaType t) {
        if (t.containedTypeCount() == 0) return t.getRawClass();
        Type[] args = new Type[t.containedTypeCount()];
        for (int i = 0; i < args.length; i++) args[i] = resolve(t.containedType(i));
        return dev.sluice.server.http.Types.of(t.getRawClass(), args);
    }
}
