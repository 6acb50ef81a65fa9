package dev.sluice.server.auth;

import dev.sluice.server.http.ApiException;
import java.util.Locale;

/** What a user or token may do; each role includes the ones before it. */
public enum Role {
    VIEWER,
    OPERATOR,
    ADMIN;

    public String apiName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean includes(Role other) {
        return compareTo(other) >= 0;
    }

    /** The smaller of two roles: what a token may do when its owner's role has since been lowered. */
    public static Role lesser(Role a, Role b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** A role as stored (the CHECK constraint allows only the three names). */
    public static Role parseStored(String s) {
        return valueOf(s.toUpperCase(Locale.ROOT));
    }

    public static Role parse(String s, String field) {
        if (s != null) {
            for (Role r : values()) if (r.apiName().equals(s)) return r;
        }
        throw ApiException.badRequest(field, field + " must be one of viewer, operator, admin");
    }
}
