package dev.sluice.task.process;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;

/** How a task's process ended: its exit status and the JSON object it wrote to {@code $SLUICE_OUTPUT} (may be empty). */
public record ProcessOutcome(int exitCode, Map<String, Object> output) {

    /**
     * The end of the attempt's log for a failure message ("; last output:" and up to {@code n} lines), so the
     * failures page says why without opening the log; empty when there is none.
     */
    public static String lastLines(Path log, int n) {
        try {
            Deque<String> tail = new ArrayDeque<>();
            try (var lines = Files.lines(log)) {
                lines.forEach(l -> {
                    tail.addLast(l);
                    if (tail.size() > n) tail.removeFirst();
                });
            }
            return tail.isEmpty() ? "" : "; last output:\n" + String.join("\n", tail);
        } catch (Exception e) {
            return "";
        }
    }

    /** A config map ({@code env:}, {@code secrets:}) as text to text, as a process environment needs it. */
    public static Map<String, String> strings(Object map) {
        Map<String, String> out = new LinkedHashMap<>();
        if (map instanceof Map<?, ?> m) m.forEach((k, v) -> out.put(String.valueOf(k), String.valueOf(v)));
        return out;
    }
}
