package dev.sluice.server.http;

/** The body of every error answer. {@code field} names the offending input when there is one. */
public record ApiError(String error, String field, boolean retryable) {}
