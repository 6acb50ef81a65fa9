package dev.sluice.run;

/** A state change the lifecycle does not allow: a bug or a bad operator request, never silently ignored. */
public class IllegalTransitionException extends IllegalStateException {
    public IllegalTransitionException(String what, Object from, Object to) {
        super("illegal transition of " + what + ": " + from + " -> " + to);
    }

    public static void check(String what, TaskState from, TaskState to) {
        if (!from.canMoveTo(to)) throw new IllegalTransitionException(what, from, to);
    }

    public static void check(String what, RunState from, RunState to) {
        if (!from.canMoveTo(to)) throw new IllegalTransitionException(what, from, to);
    }
}
