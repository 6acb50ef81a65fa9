package dev.sluice.server.http;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;

/**
 * Reads a JSON request body into a record. The size limit is enforced while reading, so a chunked body without a
 * Content-Length cannot get past it either. Before mapping, {@link JsonBodyCheck} refuses NUL characters,
 * duplicate keys and numbers that do not fit; after it, text fields are held to their {@link MaxLength}.
 */
public final class Bodies {
    public static final int MAX_BYTES = 1 << 20;

    private Bodies() {}

    public static <T> T read(Context ctx, Class<T> type) {
        byte[] bytes = bytes(ctx);
        if (bytes.length == 0 || new String(bytes, StandardCharsets.UTF_8).isBlank()) {
            throw ApiException.badRequest(null, "request body required: a JSON object");
        }
        T value = map(bytes, type);
        if (value == null) throw ApiException.badRequest(null, "request body must be a JSON object");
        return value;
    }

    /** For bodies whose every field is optional: an empty body reads as {@code {}}. */
    public static <T> T readOptional(Context ctx, Class<T> type) {
        byte[] bytes = bytes(ctx);
        if (bytes.length == 0) bytes = "{}".getBytes(StandardCharsets.UTF_8);
        T value = map(bytes, type);
        if (value == null) throw ApiException.badRequest(null, "request body must be a JSON object");
        return value;
    }

    private static <T> T map(byte[] bytes, Class<T> type) {
        T value;
        try {
            JsonBodyCheck.check(bytes);
            value = ApiJson.MAPPER.readValue(bytes, type);
        } catch (IOException e) {
            throw new JsonInputException(e);
        }
        if (value != null) checkLengths(value);
        return value;
    }

    private static void checkLengths(Object value) {
        RecordComponent[] components = value.getClass().getRecordComponents();
        if (components == null) return;
        for (RecordComponent c : components) {
            MaxLength max = c.getAnnotation(MaxLength.class);
            if (max == null) continue;
            Object v;
            try {
                v = c.getAccessor().invoke(value);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot read " + c, e);
            }
            if (v instanceof String s && s.length() > max.value()) {
                String field = ApiJson.MAPPER.getPropertyNamingStrategy()
                                instanceof com.fasterxml.jackson.databind.PropertyNamingStrategies.NamingBase n
                        ? n.translate(c.getName())
                        : c.getName();
                throw ApiException.badRequest(
                        field,
                        "field '" + field + "' may hold at most " + max.value() + " characters, got " + s.length());
            }
        }
    }

    private static byte[] bytes(Context ctx) {
        // The long form: an int Content-Length reads as -1 above 2^31-1, which would skip this early refusal.
        if (ctx.req().getContentLengthLong() > MAX_BYTES) throw tooLarge();
        try (InputStream in = ctx.req().getInputStream()) {
            byte[] b = in.readNBytes(MAX_BYTES + 1);
            if (b.length > MAX_BYTES) throw tooLarge();
            return b;
        } catch (IOException e) {
            throw ApiException.badRequest(null, "cannot read request body: " + e.getMessage());
        }
    }

    public static ApiException tooLarge() {
        return new ApiException(413, "request body larger than " + MAX_BYTES + " bytes", null);
    }

    /** Carries a Jackson failure to the error table unchanged (it picks the field from the JSON path). */
    public static final class JsonInputException extends RuntimeException {
        public JsonInputException(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }
}
