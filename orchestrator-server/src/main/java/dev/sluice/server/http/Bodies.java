package dev.sluice.server.http;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads a JSON request body into a record. The size limit is enforced while reading, so a chunked body without a
 * Content-Length cannot get past it either.
 */
public final class Bodies {
    public static final int MAX_BYTES = 1 << 20;

    private Bodies() {}

    public static <T> T read(Context ctx, Class<T> type) {
        byte[] bytes = bytes(ctx);
        if (bytes.length == 0 || new String(bytes, java.nio.charset.StandardCharsets.UTF_8).isBlank()) {
            throw ApiException.badRequest(null, "request body required: a JSON object");
        }
        try {
            T value = ApiJson.MAPPER.readValue(bytes, type);
            if (value == null) throw ApiException.badRequest(null, "request body must be a JSON object");
            return value;
        } catch (IOException e) {
            throw new JsonInputException(e);
        }
    }

    /** For bodies whose every field is optional: an empty body reads as {@code {}}. */
    public static <T> T readOptional(Context ctx, Class<T> type) {
        byte[] bytes = bytes(ctx);
        if (bytes.length == 0) bytes = "{}".getBytes();
        try {
            return ApiJson.MAPPER.readValue(bytes, type);
        } catch (IOException e) {
            throw new JsonInputException(e);
        }
    }

    private static byte[] bytes(Context ctx) {
        long declared = ctx.contentLength();
        if (declared > MAX_BYTES) throw tooLarge();
        try (InputStream in = ctx.req().getInputStream()) {
            byte[] b = in.readNBytes(MAX_BYTES + 1);
            if (b.length > MAX_BYTES) throw tooLarge();
            return b;
        } catch (IOException e) {
            throw ApiException.badRequest(null, "cannot read request body: " + e.getMessage());
        }
    }

    private static ApiException tooLarge() {
        return new ApiException(413, "request body larger than " + MAX_BYTES + " bytes", null);
    }

    /** Carries a Jackson failure to the error table unchanged (it picks the field from the JSON path). */
    public static final class JsonInputException extends RuntimeException {
        public JsonInputException(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }
}
