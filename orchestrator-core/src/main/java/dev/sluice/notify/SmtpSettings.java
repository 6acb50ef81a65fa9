package dev.sluice.notify;

import dev.sluice.template.Secrets;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The SMTP server e-mail notifications go through: {@code SLUICE_SMTP_HOST}, {@code SLUICE_SMTP_PORT} (587),
 * {@code SLUICE_SMTP_STARTTLS} ({@code true}: the connection must be upgraded to TLS before credentials are sent;
 * {@code false} for a local relay), {@code SLUICE_SMTP_FROM}, {@code SLUICE_SMTP_USERNAME}, and the password in
 * the secret named by {@code SLUICE_SMTP_PASSWORD_SECRET} ({@code SLUICE_SECRET_<name>}, as for tasks'
 * {@code secrets:}), read when a message is sent and never logged.
 */
public record SmtpSettings(
        String host,
        int port,
        boolean startTls,
        String from,
        String username,
        String passwordSecret,
        UnaryOperator<String> secrets) {

    public SmtpSettings {
        if (host == null || host.isBlank()) throw new IllegalArgumentException("SLUICE_SMTP_HOST is required");
        if (port < 1 || port > 65535) throw new IllegalArgumentException("SLUICE_SMTP_PORT must be 1-65535");
        if (from == null || from.isBlank()) from = "sluice@localhost";
        if (secrets == null) secrets = Secrets::lookup;
    }

    /** Null when {@code SLUICE_SMTP_HOST} is unset: no e-mail channel can deliver. */
    public static SmtpSettings fromEnvironment(Map<String, String> env) {
        String host = env.get("SLUICE_SMTP_HOST");
        if (host == null || host.isBlank()) return null;
        String port = env.getOrDefault("SLUICE_SMTP_PORT", "587").trim();
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("SLUICE_SMTP_PORT must be a port number, got \"" + port + "\"");
        }
        String tls = env.getOrDefault("SLUICE_SMTP_STARTTLS", "true").trim();
        if (!tls.equals("true") && !tls.equals("false"))
            throw new IllegalArgumentException("SLUICE_SMTP_STARTTLS must be true or false, got \"" + tls + "\"");
        return new SmtpSettings(
                host.trim(),
                p,
                Boolean.parseBoolean(tls),
                env.get("SLUICE_SMTP_FROM"),
                blankToNull(env.get("SLUICE_SMTP_USERNAME")),
                blankToNull(env.get("SLUICE_SMTP_PASSWORD_SECRET")),
                null);
    }

    /** The password, read now from its secret; null without one. */
    String password() {
        if (passwordSecret == null) return null;
        String v = secrets.apply(passwordSecret);
        if (v == null)
            throw new IllegalStateException("the SMTP password secret " + passwordSecret + " is not set (SLUICE_SECRET_"
                    + passwordSecret + ")");
        return v;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    @Override
    public String toString() {
        return "SmtpSettings[" + host + ":" + port + ", starttls=" + startTls + ", from=" + from + ", user="
                + (username == null ? "none" : username) + "]";
    }
}
