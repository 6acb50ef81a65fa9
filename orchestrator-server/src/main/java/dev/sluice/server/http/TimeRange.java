package dev.sluice.server.http;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/**
 * The times the API accepts: years 1 to 9999 in UTC. Java reads years up to ±999,999,999 but PostgreSQL stores
 * timestamps from 4713 BC to 294276 AD only, so every time that enters through a query parameter, a JSON body or
 * a cursor is checked here, and one out of range is a 400 naming its field instead of a database error.
 */
public final class TimeRange {
    public static final Instant MIN =
            LocalDate.of(1, 1, 1).atStartOfDay(ZoneOffset.UTC).toInstant();
    public static final Instant MAX =
            LocalDate.of(9999, 12, 31).atTime(LocalTime.MAX).toInstant(ZoneOffset.UTC);
    public static final String DESCRIPTION = "between 0001-01-01 and 9999-12-31 (UTC)";

    private TimeRange() {}

    public static boolean contains(Instant t) {
        return !t.isBefore(MIN) && !t.isAfter(MAX);
    }

    public static boolean contains(LocalDate d) {
        return d.getYear() >= 1 && d.getYear() <= 9999;
    }

    /** An ISO-8601 instant, or a date meaning its start in UTC; 400 naming {@code field} when unreadable or out of range. */
    public static Instant parse(String value, String field) {
        Instant t;
        try {
            t = value.length() == 10
                    ? LocalDate.parse(value).atStartOfDay(ZoneOffset.UTC).toInstant()
                    : Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest(field, field + " must be an ISO-8601 time or date, got \"" + value + "\"");
        }
        if (!contains(t))
            throw ApiException.badRequest(field, field + " must be " + DESCRIPTION + ", got \"" + value + "\"");
        return t;
    }
}
