package dev.sluice.store;

import dev.sluice.run.AttemptState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jooq.DSLContext;

/**
 * Attempts: one row per try of a task instance, opened {@link AttemptState#RUNNING} when the task is claimed and
 * ended once (the claim opens them in its own statement: TaskInstanceRepository); ends take a whole batch in one
 * statement of constant text (see {@link SqlArrays}).
 */
public final class AttemptRepository {

    /** How an attempt ended. {@code renderedConfigJson}: null keeps what is there. */
    public record Ending(
            long taskInstanceId,
            int tryNumber,
            AttemptState state,
            Instant endedAt,
            Integer exitCode,
            String error,
            String renderedConfigJson,
            Long logBytes) {}

    private static final String END = """
            update attempt a
            set state = e.state, ended_at = e.ended_at, exit_code = e.exit_code, error = e.error,
                rendered_config = coalesce(e.rendered_config::jsonb, a.rendered_config), log_bytes = e.log_bytes
            from unnest(?::int8[], ?::int4[], ?::text[], ?::timestamptz[], ?::int4[], ?::text[], ?::text[], ?::int8[])
                 as e(task_instance_id, try_number, state, ended_at, exit_code, error, rendered_config, log_bytes)
            where a.task_instance_id = e.task_instance_id and a.try_number = e.try_number and a.state = '%s'""".formatted(AttemptState.RUNNING.dbName());

    /** Ends running attempts; an attempt already ended (by the reaper, say) is left as it is. */
    public void end(DSLContext tx, List<Ending> endings) {
        if (endings.isEmpty()) return;
        tx.connection(c -> {
            try (var ps = c.prepareStatement(END)) {
                bindEndings(c, ps, 1, endings);
                ps.executeUpdate();
            }
        });
    }

    /** Binds the eight arrays of {@link #END}'s {@code unnest} from parameter {@code first} on. */
    static void bindEndings(java.sql.Connection c, java.sql.PreparedStatement ps, int first, List<Ending> endings)
            throws java.sql.SQLException {
        int n = endings.size();
        List<Long> tis = new ArrayList<>(n), bytes = new ArrayList<>(n);
        List<Integer> tries = new ArrayList<>(n), exits = new ArrayList<>(n);
        List<String> states = new ArrayList<>(n), errors = new ArrayList<>(n), configs = new ArrayList<>(n);
        List<Instant> ended = new ArrayList<>(n);
        for (Ending e : endings) {
            if (!e.state().isTerminal()) throw new IllegalArgumentException("an attempt cannot end " + e.state());
            tis.add(e.taskInstanceId());
            tries.add(e.tryNumber());
            states.add(e.state().dbName());
            ended.add(e.endedAt());
            exits.add(e.exitCode());
            errors.add(e.error());
            configs.add(e.renderedConfigJson());
            bytes.add(e.logBytes());
        }
        ps.setArray(first, SqlArrays.longs(c, tis));
        ps.setArray(first + 1, SqlArrays.ints(c, tries));
        ps.setArray(first + 2, SqlArrays.texts(c, states));
        ps.setArray(first + 3, SqlArrays.times(c, ended));
        ps.setArray(first + 4, SqlArrays.ints(c, exits));
        ps.setArray(first + 5, SqlArrays.texts(c, errors));
        ps.setArray(first + 6, SqlArrays.texts(c, configs));
        ps.setArray(first + 7, SqlArrays.longs(c, bytes));
    }
}
