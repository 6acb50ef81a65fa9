package dev.sluice.server.api;

import dev.sluice.server.http.MaxLength;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Map;

/**
 * Request bodies. Every field is checked: unknown fields and wrong types are a 400 naming the field, and a text
 * stored in a column carries that column's width as {@link MaxLength} (RequestLimitsTest holds them to the schema).
 */
public final class Requests {
    private Requests() {}

    public record Login(@MaxLength(100) String username, String password) {
        /** Never print a password, even by accident. */
        @Override
        public String toString() {
            return "Login[username=" + username + "]";
        }
    }

    public record Trigger(Map<String, Object> params, Instant logicalDate) {}

    public record Pause(Boolean isPaused) {}

    /** An asset update from outside: the asset's URI and free-form metadata for its consumers. */
    public record AssetEvent(@MaxLength(1000) String uri, Map<String, Object> extra) {}

    public record Mark(String state) {}

    public record ClearTask(boolean downstream, boolean upstream) {}

    public record Backfill(LocalDate from, LocalDate to, Integer maxActiveRuns, boolean rerunExisting) {}

    public record NewUser(@MaxLength(100) String username, String password, String role) {
        @Override
        public String toString() {
            return "NewUser[username=" + username + ", role=" + role + "]";
        }
    }

    public record UpdateUser(String role, String password) {
        @Override
        public String toString() {
            return "UpdateUser[role=" + role + "]";
        }
    }

    /** {@code expires_in} (e.g. "90d", "12h", "30m", "PT1H") or {@code expires_at}, not both; neither: no expiry. */
    public record NewToken(@MaxLength(200) String name, String role, String expiresIn, Instant expiresAt) {}

    static <T> T required(T value, String field) {
        if (value == null)
            throw dev.sluice.server.http.ApiException.badRequest(field, "field '" + field + "' is required");
        return value;
    }

    static String requiredText(String value, String field) {
        if (value == null || value.isBlank())
            throw dev.sluice.server.http.ApiException.badRequest(field, "field '" + field + "' is required");
        return value;
    }
}
