package dev.sluice.server.auth;

import dev.sluice.server.http.ApiException;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;

/** Password hashing with BCrypt (salted, slow on purpose), from Spring Security's crypto module. */
public final class Passwords {
    private static final BCryptPasswordEncoder BCRYPT = new BCryptPasswordEncoder(10);
    // Compared against when the user does not exist, so a wrong username takes as long as a wrong password.
    private static final String DUMMY = BCRYPT.encode("no such user");

    private Passwords() {}

    public static String hash(String password) {
        check(password);
        return BCRYPT.encode(password);
    }

    public static boolean matches(String password, String hash) {
        if (password == null) return false;
        return BCRYPT.matches(password, hash == null ? DUMMY : hash) && hash != null;
    }

    /** BCrypt reads at most 72 bytes; longer passwords would be silently truncated, so they are refused. */
    public static void check(String password) {
        if (password == null || password.length() < 8)
            throw ApiException.badRequest("password", "password must have at least 8 characters");
        if (password.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 72) {
            throw ApiException.badRequest("password", "password must be at most 72 bytes");
        }
    }
}
