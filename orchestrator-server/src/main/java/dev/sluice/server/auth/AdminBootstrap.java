package dev.sluice.server.auth;

import java.io.PrintStream;

/**
 * A fresh install gets one user, {@code admin}: with the password from SLUICE_ADMIN_PASSWORD, or a generated one
 * printed once to stdout (never to the log). Two servers starting together create it once: the insert decides.
 */
public final class AdminBootstrap {
    private AdminBootstrap() {}

    public static void ensureAdmin(UserStore users, String configuredPassword, PrintStream out) {
        if (!users.isEmpty()) return;
        boolean generated = configuredPassword == null || configuredPassword.isBlank();
        String password = generated ? Secrets.random("").substring(0, 24) : configuredPassword;
        if (users.create("admin", password, Role.ADMIN) && generated) {
            out.println("Created user 'admin' with password: " + password
                    + "  (shown once; set SLUICE_ADMIN_PASSWORD to choose it)");
            out.flush();
        }
    }
}
