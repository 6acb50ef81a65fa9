package dev.sluice.server.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Set;

/**
 * One pass over a JSON body before it is mapped to its record, refusing what would otherwise slip through to a
 * 500 or to a wrong meaning, wherever it sits in the body (params, prediction rows, nested objects):
 * <ul>
 *   <li>NUL characters in strings and keys: PostgreSQL refuses 0x00 in text and jsonb;
 *   <li>a key given twice: {@code {"username":"nobody","username":"admin"}} must not read as one of them;
 *   <li>numbers that do not fit: a float beyond the double range would become Infinity, an integer beyond 64 bits
 *       fits no column or param.
 * </ul>
 * Each refusal is a 400 whose field is the JSON path ({@code params.rows}, {@code rows[2].age}).
 */
final class JsonBodyCheck {
    /** Duplicates are detected here, with their path, rather than by the parser. */
    private static final JsonFactory FACTORY = JsonFactory.builder().build();

    private JsonBodyCheck() {}

    private static final class Level {
        final boolean object;
        final Set<String> keys = new HashSet<>();
        String name;
        int index = -1;

        Level(boolean object) {
            this.object = object;
        }
    }

    /** Throws {@link ApiException} for a refused value; a syntax error is left to the mapping that follows. */
    static void check(byte[] body) throws IOException {
        Deque<Level> levels = new ArrayDeque<>();
        try (JsonParser p = FACTORY.createParser(body)) {
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                if (t == JsonToken.END_OBJECT || t == JsonToken.END_ARRAY) {
                    levels.pop();
                    continue;
                }
                if (t == JsonToken.FIELD_NAME) {
                    Level level = levels.peek();
                    level.name = p.currentName();
                    if (level.name.indexOf('\0') >= 0) throw nul(levels);
                    if (!level.keys.add(level.name)) {
                        throw ApiException.badRequest(
                                path(levels), "field '" + path(levels) + "' is given more than once");
                    }
                    continue;
                }
                Level parent = levels.peek();
                if (parent != null && !parent.object) parent.index++;
                switch (t) {
                    case START_OBJECT -> levels.push(new Level(true));
                    case START_ARRAY -> levels.push(new Level(false));
                    case VALUE_STRING -> {
                        if (p.getText().indexOf('\0') >= 0) throw nul(levels);
                    }
                    case VALUE_NUMBER_INT -> {
                        if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                            throw ApiException.badRequest(
                                    path(levels),
                                    "field '" + path(levels)
                                            + "': integers must lie between -9223372036854775808 and 9223372036854775807");
                        }
                    }
                    case VALUE_NUMBER_FLOAT -> {
                        if (!Double.isFinite(p.getDoubleValue())) {
                            throw ApiException.badRequest(
                                    path(levels), "field '" + path(levels) + "': number beyond the range of a double");
                        }
                    }
                    default -> {
                        // true, false, null: nothing to check
                    }
                }
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException syntax) {
            // Malformed JSON: the mapping reports it, with the same message as before this check existed.
        }
    }

    private static ApiException nul(Deque<Level> levels) {
        return ApiException.badRequest(
                path(levels), "field '" + path(levels) + "' must not contain NUL (\\u0000) characters");
    }

    /** {@code params.rows}, {@code rows[2].age}: the same form as the mapping's errors. */
    private static String path(Deque<Level> levels) {
        StringBuilder sb = new StringBuilder();
        for (Iterator<Level> it = levels.descendingIterator(); it.hasNext(); ) {
            Level l = it.next();
            if (l.object) {
                if (l.name == null) continue;
                sb.append(sb.isEmpty() ? "" : ".").append(l.name.replace("\0", "\\u0000"));
            } else if (l.index >= 0) {
                sb.append('[').append(l.index).append(']');
            }
        }
        return sb.isEmpty() ? null : sb.toString();
    }
}
