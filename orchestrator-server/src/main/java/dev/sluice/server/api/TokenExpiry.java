package dev.sluice.server.api;

import dev.sluice.server.http.ApiException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** When a new API token expires: {@code expires_in} (a duration from now) or {@code expires_at}, or never. */
final class TokenExpiry {
    /** Longer-lived tokens are what expiry is meant to prevent; "never" stays available by giving neither field. */
    static final Duration MAX = Duration.ofDays(3650);

    private static final Pattern SHORT = Pattern.compile("(\\d{1,9})\\s*([smhdw])");

    private TokenExpiry() {}

    static Instant expiresAt(String expiresIn, Instant expiresAt, Instant now) {
        if (expiresIn != null && expiresAt != null) {
            throw ApiException.badRequest("expires_in", "give expires_in or expires_at, not both");
        }
        if (expiresIn != null) return now.plus(duration(expiresIn));
        if (expiresAt == null) return null;
        if (!expiresAt.isAfter(now))
            throw ApiException.badRequest("expires_at", "expires_at must be in the future, got " + expiresAt);
        if (expiresAt.isAfter(now.plus(MAX)))
            throw ApiException.badRequest("expires_at", "expires_at must be within 3650 days");
        return expiresAt;
    }

    /** "90d", "12h", "30m", "45s", "2w", or an ISO-8601 duration such as "PT12H" / "P30D". */
    static Duration duration(String text) {
        String s = text.trim().toLowerCase(Locale.ROOT);
        Duration d;
        Matcher m = SHORT.matcher(s);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            d = switch (m.group(2)) {
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                case "d" -> Duration.ofDays(n);
                default -> Duration.ofDays(7 * n);
            };
        } else {
            try {
                d = Duration.parse(text.trim());
            } catch (DateTimeParseException e) {
                throw ApiException.badRequest(
                        "expires_in",
                        "expires_in must be a duration such as 90d, 12h, 30m or PT1H, got \"" + text + "\"");
            }
        }
        if (d.isNegative() || d.isZero())
            throw ApiException.badRequest("expires_in", "expires_in must be positive, got \"" + text + "\"");
        if (d.compareTo(MAX) > 0)
            throw ApiException.badRequest("expires_in", "expires_in must be at most 3650d, got \"" + text + "\"");
        return d;
    }
}
