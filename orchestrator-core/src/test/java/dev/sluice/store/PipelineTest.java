package dev.sluice.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.testing.TestDatabase;
import java.util.ArrayList;
import java.util.List;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.Test;

/** Statements sent together: run in order, each seeing the ones before it, in the caller's transaction. */
class PipelineTest {

    /** A statement with integer parameters, reading the first column of its rows (no rows: no reader). */
    private static Pipeline.Step<?> step(String sql, boolean rows, long... params) {
        Pipeline.Binder bind = (c, ps, i) -> {
            for (long p : params) ps.setLong(i++, p);
            return i;
        };
        if (!rows) return Pipeline.update(sql, bind);
        return Pipeline.query(sql, bind, rs -> {
            List<Long> out = new ArrayList<>();
            while (rs.next()) out.add(rs.getLong(1));
            return out;
        });
    }

    @SuppressWarnings("unchecked")
    private static List<Long> rows(Pipeline.Step<?> step) {
        return (List<Long>) step.result();
    }

    @Test
    void steps_run_in_order_each_seeing_the_writes_before_it_with_their_own_parameters() throws Exception {
        try (Database db = TestDatabase.fresh(2)) {
            DSLContext dsl = db.dsl();
            dsl.execute("create table pipe_probe (x bigint)");
            var insert = step("insert into pipe_probe values (?), (?)", false, 1, 2);
            var count = step("select count(*) from pipe_probe where x >= ?", true, 1);
            var bump = step("update pipe_probe set x = x + ? returning x", true, 10);
            var after = step("select x from pipe_probe order by x", true);
            dsl.transaction(cfg -> Pipeline.run(DSL.using(cfg), insert, count, bump, after));

            assertThat(insert.result()).isNull();
            assertThat(rows(count)).containsExactly(2L);
            assertThat(rows(bump)).containsExactlyInAnyOrder(11L, 12L);
            assertThat(rows(after)).containsExactly(11L, 12L);
        }
    }

    @Test
    void a_failing_step_fails_the_transaction_and_undoes_the_steps_before_it() throws Exception {
        try (Database db = TestDatabase.fresh(2)) {
            DSLContext dsl = db.dsl();
            dsl.execute("create table pipe_probe (x bigint primary key)");
            dsl.execute("insert into pipe_probe values (1)");
            assertThatThrownBy(() -> dsl.transaction(cfg -> Pipeline.run(
                            DSL.using(cfg),
                            step("insert into pipe_probe values (?)", false, 2),
                            step("insert into pipe_probe values (?)", false, 1))))
                    .hasStackTraceContaining("duplicate key");
            assertThat(dsl.fetch("select x from pipe_probe").getValues(0, Long.class))
                    .containsExactly(1L);
        }
    }

    @Test
    void a_step_of_two_statements_is_refused_before_anything_is_sent() throws Exception {
        try (Database db = TestDatabase.fresh(2)) {
            DSLContext dsl = db.dsl();
            dsl.execute("create table pipe_probe (x bigint)");
            assertThatThrownBy(() -> Pipeline.run(
                            dsl,
                            step("insert into pipe_probe values (?)", false, 1),
                            step("select 1; delete from pipe_probe", true)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("one statement");
            assertThat(dsl.fetchCount(DSL.table("pipe_probe"))).isZero();
        }
    }
}
