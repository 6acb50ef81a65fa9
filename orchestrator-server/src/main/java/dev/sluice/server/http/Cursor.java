package dev.sluice.server.http;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;

/**
 * Opaque keyset cursors: the sort key of the last row of a page, base64url-encoded so clients do not build them.
 * A time key keeps microseconds, PostgreSQL's precision, so no row is skipped or repeated at a page boundary.
 * Clients can still forge one, so a decoded key must be a time in {@link TimeRange} or a text without NUL: anything
 * else is a 400 on {@code cursor}, never a database error.
 */
public final class Cursor {
    private Cursor() {}

    public record TimeKey(Instant at, long id) {}

    public static String of(Instant at, long id) {
        long micros = at.getEpochSecond() * 1_000_000L + at.getNano() / 1_000;
        return encode("t" + micros + ":" + id);
    }

    public static String of(String key) {
        return encode("s" + key);
    }

    public static TimeKey timeKey(String cursor) {
        String s = decode(cursor);
        try {
            if (!s.startsWith("t")) throw new IllegalArgumentException();
            int colon = s.indexOf(':');
            long micros = Long.parseLong(s.substring(1, colon));
            Instant at = Instant.ofEpochSecond(
                    Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
            if (!TimeRange.contains(at)) throw new IllegalArgumentException();
            return new TimeKey(at, Long.parseLong(s.substring(colon + 1)));
        } catch (RuntimeException e) {
            throw ApiException.badRequest("cursor", "invalid cursor");
        }
    }

    public static String stringKey(String cursor) {
        String s = decode(cursor);
        if (!s.startsWith("s") || s.indexOf('\0') >= 0) throw ApiException.badRequest("cursor", "invalid cursor");
        return s.substring(1);
    }

    private static String encode(String s) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String decode(String cursor) {
        try {
            return new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("cursor", "invalid cursor");
        }
    }
}
