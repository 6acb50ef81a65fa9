package dev.sluice.dag;

/**
 * One problem in a DAG definition. {@code line} is 1-based in the DAG file; 0 when the DAG was built in Java or
 * the problem has no position (an unreadable file). {@code field} is a path such as {@code tasks[load].retry_delay}.
 */
public record DagError(String file, int line, String field, String message) {

    @Override
    public String toString() {
        return file + ":" + line + ": " + field + ": " + message;
    }
}
