package dev.sluice.server.http;

/** A request the API refuses, with the HTTP status and the input field at fault. */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String field;

    public ApiException(int status, String message, String field) {
        super(message);
        this.status = status;
        this.field = field;
    }

    public static ApiException badRequest(String field, String message) {
        return new ApiException(400, message, field);
    }

    public static ApiException notFound(String message) {
        return new ApiException(404, message, null);
    }

    public int status() {
        return status;
    }

    public String field() {
        return field;
    }
}
