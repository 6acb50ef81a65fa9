package dev.sluice.server.auth;

/** Who is calling: a user by session, or an API token (named {@code token:NAME} in the audit log). */
public record Principal(String name, Role role) {}
