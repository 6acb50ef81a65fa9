package dev.sluice.server.auth;

/**
 * Who is calling: a user by session, or an API token (named {@code token:NAME} in the audit log). {@code username}
 * is the user account acting: the user itself, or the token's owner (tokens a token creates belong to that owner).
 */
public record Principal(String name, Role role, String username) {
    /** A user acting for itself. */
    public Principal(String username, Role role) {
        this(username, role, username);
    }
}
