package dev.sluice.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.sluice.engine.RunParams;
import dev.sluice.store.RunRepository;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.sql.SQLException;
import java.time.DateTimeException;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.jooq.exception.DataAccessException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where exceptions become HTTP answers: a table from exception type to status, message and field,
 * looked up most specific first. 4xx are logged at WARN, 5xx at ERROR; bad input never becomes a 500. Modules that
 * contribute routes ({@link dev.sluice.server.extension.ApiExtension}) add rows for their own exceptions, which are
 * looked up before the server's generic ones.
 */
public final class ErrorTable {
    private static final Logger log = LoggerFactory.getLogger(ErrorTable.class);

    private record Row(Class<? extends Throwable> type, Function<Throwable, Answer> answer) {}

    public record Answer(int status, ApiError body) {}

    private static Row row(Class<? extends Throwable> type, int status, Function<Throwable, String> field) {
        return new Row(type, e -> new Answer(status, new ApiError(e.getMessage(), field.apply(e), false)));
    }

    // Order matters: subclasses before their parents (InvalidParamException is an IllegalArgumentException,
    // IllegalTransitionException an IllegalStateException, the Jackson ones JsonProcessingExceptions).
    private static final List<Row> TABLE = List.of(
            new Row(
                    ApiException.class,
                    e -> new Answer(
                            ((ApiException) e).status(),
                            new ApiError(e.getMessage(), ((ApiException) e).field(), false))),
            row(RunRepository.RunExistsException.class, 409, e -> "logical_date"),
            row(
                    RunParams.InvalidParamException.class,
                    400,
                    e -> "params." + ((RunParams.InvalidParamException) e).param()),
            row(NoSuchElementException.class, 404, e -> null),
            row(IllegalStateException.class, 409, e -> null),
            row(IllegalArgumentException.class, 400, e -> null),
            // A time beyond what java.time can represent (parse failures included); input checks keep them rare.
            row(DateTimeException.class, 400, e -> null),
            new Row(
                    InvalidFieldException.class,
                    e -> new Answer(
                            400,
                            new ApiError(
                                    "field '" + path((JsonMappingException) e) + "': "
                                            + ((JsonMappingException) e).getOriginalMessage(),
                                    path((JsonMappingException) e),
                                    false))),
            new Row(
                    UnrecognizedPropertyException.class,
                    e -> new Answer(
                            400,
                            new ApiError(
                                    "unknown field '" + ((UnrecognizedPropertyException) e).getPropertyName() + "'",
                                    path((JsonMappingException) e),
                                    false))),
            new Row(
                    MismatchedInputException.class,
                    e -> new Answer(
                            400,
                            new ApiError(
                                    mismatch((MismatchedInputException) e), path((JsonMappingException) e), false))),
            // Any other mapping failure at a known place (an integer beyond an int field's range): name the place.
            new Row(
                    JsonMappingException.class,
                    e -> path((JsonMappingException) e) == null
                            ? malformed(e)
                            : new Answer(
                                    400,
                                    new ApiError(
                                            "field '" + path((JsonMappingException) e) + "': "
                                                    + ((JsonMappingException) e).getOriginalMessage(),
                                            path((JsonMappingException) e),
                                            false))),
            new Row(
                    JsonProcessingException.class,
                    e -> new Answer(
                            400,
                            new ApiError(
                                    "malformed JSON: " + ((JsonProcessingException) e).getOriginalMessage(),
                                    null,
                                    false))),
            new Row(
                    HttpResponseException.class,
                    e -> new Answer(
                            ((HttpResponseException) e).getStatus(), new ApiError(e.getMessage(), null, false))),
            new Row(DataAccessException.class, ErrorTable::database));

    private final List<Row> contributed = new CopyOnWriteArrayList<>();

    /**
     * Answers {@code type} (and its subclasses) with {@code status}, the exception's message and the input field
     * {@code field} names (null: none). Looked up before the built-in rows, in the order added.
     */
    public <E extends Throwable> ErrorTable map(Class<E> type, int status, Function<E, String> field) {
        contributed.add(new Row(
                type, e -> new Answer(status, new ApiError(e.getMessage(), field.apply(type.cast(e)), false))));
        return this;
    }

    private static Answer malformed(Throwable e) {
        return new Answer(
                400,
                new ApiError("malformed JSON: " + ((JsonProcessingException) e).getOriginalMessage(), null, false));
    }

    public Answer answer(Throwable e) {
        if (e instanceof Bodies.JsonInputException && e.getCause() != null) e = e.getCause();
        if (!(e instanceof ApiException))
            for (Row r : contributed)
                if (r.type().isInstance(e)) return r.answer().apply(e);
        for (Row r : TABLE) if (r.type().isInstance(e)) return r.answer().apply(e);
        return new Answer(500, new ApiError("internal error", null, false));
    }

    public void handle(Exception e, Context ctx) {
        Answer a = answer(e);
        if (a.status() >= 500) log.error("{} {} -> {}", ctx.method(), ctx.path(), a.status(), e);
        else
            log.warn(
                    "{} {} -> {}: {}",
                    ctx.method(),
                    ctx.path(),
                    a.status(),
                    a.body().error());
        ctx.status(a.status()).json(a.body());
    }

    private static String path(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) sb.append(sb.isEmpty() ? "" : ".").append(r.getFieldName());
            else if (r.getIndex() >= 0) sb.append('[').append(r.getIndex()).append(']');
        }
        return sb.isEmpty() ? null : sb.toString();
    }

    private static String mismatch(MismatchedInputException e) {
        String field = path(e);
        String type = e.getTargetType() == null ? "value" : e.getTargetType().getSimpleName();
        return field == null
                ? "request body must be a JSON object"
                : "field '" + field + "': expected " + describe(type);
    }

    private static String describe(String javaType) {
        return switch (javaType) {
            case "boolean", "Boolean" -> "true or false";
            case "int", "Integer", "long", "Long" -> "an integer";
            case "Instant" -> "an ISO-8601 time, e.g. 2026-01-01T00:00:00Z";
            case "LocalDate" -> "a date, e.g. 2026-01-01";
            case "String" -> "a string";
            case "Map", "LinkedHashMap" -> "an object";
            case "List" -> "an array";
            default -> "a " + javaType;
        };
    }

    /** The database being unreachable is transient: 503, retryable. Anything else from it is our bug. */
    private static Answer database(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof SQLException s
                    && s.getSQLState() != null
                    && s.getSQLState().startsWith("08")) {
                return new Answer(503, new ApiError("database unavailable", null, true));
            }
        }
        return new Answer(500, new ApiError("internal error", null, false));
    }
}
