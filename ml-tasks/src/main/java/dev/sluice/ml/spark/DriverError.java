package dev.sluice.ml.spark;

import dev.sluice.task.process.ProcessOutcome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The driver's own error, read back from the attempt log, for the failure message: the exception of the last
 * Python traceback (a PySpark driver), else the JVM's uncaught exception, else the last lines. Spark's shutdown
 * logging comes after the error, so the plain last lines would show the shutdown, not the cause.
 */
final class DriverError {
    private static final Pattern JVM = Pattern.compile("^Exception in thread \"main\" .*");
    /** A log4j line (Spark's default layout {@code yy/MM/dd HH:mm:ss LEVEL ...} or ISO dates): not the error's text. */
    private static final Pattern LOG_LINE = Pattern.compile("^(\\d\\d/\\d\\d/\\d\\d|\\d{4}-\\d\\d-\\d\\d)[ T].*");

    private static final int MAX_LINES = 6;

    private DriverError() {}

    /** "; driver error:" and the error's lines, or the log's last lines when no error is recognised. */
    static String from(Path log) {
        try {
            String error = of(Files.readAllLines(log));
            return error != null ? "; driver error:\n" + error : ProcessOutcome.lastLines(log, 5);
        } catch (Exception e) {
            return ProcessOutcome.lastLines(log, 5);
        }
    }

    /** The error in {@code lines}, or null. */
    static String of(List<String> lines) {
        int tb = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("Traceback (most recent call last):")) tb = i;
        }
        if (tb >= 0) {
            // Frames are indented; the first unindented line after them is the exception, which may go on for a
            // few lines (PySpark's captured JVM errors do).
            String lastFrame = null;
            int i = tb + 1;
            for (;
                    i < lines.size()
                            && (lines.get(i).startsWith(" ") || lines.get(i).startsWith("\t"));
                    i++) {
                if (lines.get(i).stripLeading().startsWith("File "))
                    lastFrame = lines.get(i).strip();
            }
            List<String> out = new ArrayList<>();
            for (; i < lines.size() && out.size() < MAX_LINES; i++) {
                String l = lines.get(i);
                if (l.isBlank() || LOG_LINE.matcher(l).matches()) break;
                out.add(l);
            }
            if (!out.isEmpty()) {
                if (lastFrame != null) out.add("  at " + lastFrame);
                return String.join("\n", out);
            }
        }
        for (int i = lines.size() - 1; i >= 0; i--) {
            if (JVM.matcher(lines.get(i)).matches()) {
                List<String> out = new ArrayList<>(List.of(lines.get(i)));
                for (int j = i + 1; j < lines.size() && out.size() < MAX_LINES; j++) {
                    String l = lines.get(j);
                    if (!l.startsWith("\tat ") && !l.startsWith("Caused by:")) break;
                    out.add(l);
                }
                return String.join("\n", out);
            }
        }
        return null;
    }
}
