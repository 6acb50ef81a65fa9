package dev.sluice.server.http;

import io.javalin.http.Context;
import java.time.Instant;

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
        if (!v.equals("true") && !v.equals("false"))
            throw ApiException.badRequest(name, name + " must be true or false");
        return Boolean.parseBoolean(v);
    }

    /** An ISO-8601 instant, or a date meaning its start in UTC, within {@link TimeRange}. */
    public static Instant instant(Context ctx, String name) {
        String v = string(ctx, name);
        return v == null ? null : TimeRange.parse(v, name);
    }

    /**
     * Refuses a NUL character in any query or path parameter, for every route at once: PostgreSQL cannot hold 0x00
     * in text, so such a value would otherwise reach the database as an error. (Jetty 11 already refuses {@code %00}
     * in a path before routing; the path check keeps the rule whole should that ever change.)
     */
    public static void refuseNul(Context ctx) {
        for (var p : ctx.pathParamMap().entrySet()) {
            if (p.getValue().indexOf('\0') >= 0) throw nul(p.getKey());
        }
        for (var q : ctx.queryParamMap().entrySet()) {
            if (q.getKey().indexOf('\0') >= 0) throw nul(q.getKey().replace("\0", "\\u0000"));
            for (String v : q.getValue()) if (v.indexOf('\0') >= 0) throw nul(q.getKey());
        }
    }

    private static ApiException nul(String name) {
        return ApiException.badRequest(name, name + " must not contain NUL (\\u0000) characters");
    }
}
