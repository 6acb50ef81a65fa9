package dev.sluice.dag;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Collects every problem of one definition rather than stopping at the first. Knows where each field path sits in
 * the file; a path with no recorded line falls back to its nearest recorded parent (a missing key is reported at
 * the mapping that lacks it).
 */
final class Problems {
    private final String file;
    private final Map<String, Integer> lines;
    private final List<DagError> errors = new ArrayList<>();
    private final Set<String> reportedFields = new HashSet<>();

    /** {@code lines} maps field paths to 1-based lines; empty for DAGs built in Java (every line is then 0). */
    Problems(String file, Map<String, Integer> lines) {
        this.file = file;
        this.lines = lines;
    }

    void add(String field, String message) {
        addAt(field, lineOf(field), message);
    }

    void addAt(String field, int line, String message) {
        errors.add(new DagError(file, line, field, message));
        reportedFields.add(field);
    }

    /**
     * For semantic checks that would repeat a parse error in other words (a task type that failed to parse is
     * also "missing"): skipped when the field already has a problem.
     */
    void addUnlessReported(String field, String message) {
        if (!reportedFields.contains(field)) add(field, message);
    }

    int lineOf(String field) {
        String path = field;
        while (true) {
            Integer line = lines.get(path);
            if (line != null) return line;
            if (path.isEmpty()) return lines.isEmpty() ? 0 : 1;
            int cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
            path = cut < 0 ? "" : path.substring(0, cut);
        }
    }

    /** Sorted by line, so a reader can walk the file top to bottom; otherwise in the order found. */
    List<DagError> errors() {
        List<DagError> sorted = new ArrayList<>(errors);
        sorted.sort(Comparator.comparingInt(DagError::line));
        return sorted;
    }

    void throwIfAny() {
        if (!errors.isEmpty()) throw new DagValidationException(errors());
    }
}
