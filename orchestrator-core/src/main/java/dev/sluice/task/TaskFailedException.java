package dev.sluice.task;

/** A task's own, expected failure (non-zero exit, failed check). The message becomes the attempt's error. */
public class TaskFailedException extends Exception {
    private final Integer exitCode;

    public TaskFailedException(String message) {
        this(message, null);
    }

    public TaskFailedException(String message, Integer exitCode) {
        super(message);
        this.exitCode = exitCode;
    }

    public Integer exitCode() {
        return exitCode;
    }
}
