package dev.sluice.server.http;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.handler.ErrorHandler;

/**
 * Answers for requests Jetty refuses before any route sees them — a NUL ({@code %00}) or bad encoding in the
 * path, a request line or headers beyond 8 KiB — in the API's JSON error shape with the security headers,
 * instead of Jetty's HTML page.
 */
public final class ProtocolErrors extends ErrorHandler {
    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        String standard = HttpStatus.getMessage(status);
        String detail = reason == null || reason.equalsIgnoreCase(standard) ? "" : ": " + reason;
        String body;
        try {
            body = ApiJson.MAPPER.writeValueAsString(
                    new ApiError("malformed request (" + standard + ")" + detail, null, false));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        fields.put(HttpHeader.CONTENT_TYPE, "application/json");
        SecurityHeaders.ALWAYS.forEach(fields::put);
        fields.put(HttpHeader.CACHE_CONTROL, "no-store");
        return ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8));
    }
}
