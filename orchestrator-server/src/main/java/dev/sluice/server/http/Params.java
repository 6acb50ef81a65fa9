package dev.sluice.server.http;

import io.javalin.http.Context;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/** Query parameters, parsed strictly: a bad value is a 400 naming the parameter. */
public final class Params {
    public static final int DEFAULT_LIMIT = 50;
    public static final int MAX_LIMIT = 500;

    private Params() {}

    public static String string(Context ctx, String name) {
        String v = ctx.queryParam(name);
        return v == null || v.isBlank() ? null : v;
    }

    public static int limit(Context ctx, int defaultLimit) {
        Integer v = integer(ctx, "limit");
        if (v == null) return defaultLimit;
        if (v < 1 || v > MAX_LIMIT) throw ApiException.badRequest("limit", "limit must be between 1 and " + MAX_LIMIT);
        return v;
    }

    public static Integer integer(Context ctx, String name) {
        String v = string(ctx, name);
        if (v == null) return null;
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw ApiException.badRequest(name, name + " must be an integer, got \"" + v + "\"");
        }
    }

    public static long nonNegativeLong(Context ctx, String name) {
        String v = string(ctx, name);
        if (v == null) return 0;
        try {
            long n = Long.parseLong(v);
            if (n < 0) throw new NumberFormatException();
            return n;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest(name, name + " must be a non-negative integer, got \"" + v + "\"");
        }
    }

    public static boolean bool(Context ctx, String name) {
        String v = string(ctx, name);
        if (v == null) return false;
        if (!v.equals("true") && !v.equals("false")) throw ApiException.badRequest(name, name + " must be true or false");
        return Boolean.parseBoolean(v);
    }

    /** An ISO-8601 instant, or a date meaning its start in UTC. */
    public static Instant instant(Context ctx, String name) {
        String v = string(ctx, name);
        if (v == null) return null;
        try {
            return v.length() == 10 ? LocalDate.parse(v).atStartOfDay(ZoneOffset.UTC).toInstant() : Instant.parse(v);
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest(name, name + " must be an ISO-8601 time or date, got \"" + v + "\"");
        }
    }
}
