package dev.sluice.server.auth;

import io.javalin.http.Context;
import java.util.regex.Pattern;

/**
 * The address a request came from, for login throttling and the audit log: the peer address Javalin reports, or
 * — only when {@code SLUICE_TRUST_PROXY=true}, i.e. Sluice runs behind exactly one reverse proxy that appends the
 * peer it saw — the last entry of {@code X-Forwarded-For}. Earlier entries are whatever the client sent and are
 * never believed; without the setting the header is ignored, so a client cannot pick its own address.
 */
public final class ClientAddress {
    public static final String SETTING = "SLUICE_TRUST_PROXY";
    private static final Pattern IP = Pattern.compile("[0-9A-Fa-f:.\\[\\]]{2,64}");

    private final boolean trustProxy;

    public ClientAddress(boolean trustProxy) {
        this.trustProxy = trustProxy;
    }

    /** From SLUICE_TRUST_PROXY (a system property of that name wins, as for the other settings); unset is false. */
    public static ClientAddress fromEnvironment() {
        String v = System.getProperty(SETTING, System.getenv(SETTING));
        return new ClientAddress(parse(v));
    }

    static boolean parse(String v) {
        if (v == null || v.isBlank() || v.trim().equalsIgnoreCase("false")) return false;
        if (v.trim().equalsIgnoreCase("true")) return true;
        throw new IllegalArgumentException(SETTING + " must be true or false, got \"" + v + "\"");
    }

    public boolean trustsProxy() {
        return trustProxy;
    }

    public String of(Context ctx) {
        return resolve(ctx.ip(), ctx.header("X-Forwarded-For"));
    }

    /** The peer, or the proxy's last X-Forwarded-For entry when trusted and well-formed. */
    String resolve(String peer, String forwardedFor) {
        if (trustProxy && forwardedFor != null) {
            String last =
                    forwardedFor.substring(forwardedFor.lastIndexOf(',') + 1).trim();
            if (IP.matcher(last).matches()) return last;
        }
        return peer;
    }
}
