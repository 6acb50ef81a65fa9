package dev.sluice.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.testing.TestDatabase;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.Test;

/** The engine's transactions: what commits, what rolls back, nesting as savepoints, connections given back. */
class PooledTransactionsTest {

    @Test
    void commits_rolls_back_nests_as_savepoints_and_gives_every_connection_back() throws Exception {
        try (Database db = TestDatabase.fresh(2)) {
            DSLContext dsl = db.dsl();
            dsl.execute("create table tx_probe (x int)");

            dsl.transaction(cfg -> DSL.using(cfg).execute("insert into tx_probe values (1)"));
            assertThatThrownBy(() -> dsl.transaction(cfg -> {
                        DSL.using(cfg).execute("insert into tx_probe values (2)");
                        throw new IllegalStateException("boom");
                    }))
                    .hasMessageContaining("boom");
            // an inner failure undoes only the inner work; the outer one commits
            dsl.transaction(cfg -> {
                DSLContext tx = DSL.using(cfg);
                tx.execute("insert into tx_probe values (3)");
                try {
                    tx.transaction(inner -> {
                        DSL.using(inner).execute("insert into tx_probe values (4)");
                        throw new IllegalStateException("inner");
                    });
                } catch (IllegalStateException expected) {
                    // the outer transaction goes on
                }
                tx.transaction(inner -> DSL.using(inner).execute("insert into tx_probe values (5)"));
                // 1 from before, 3 and 5 from here: the rolled-back savepoint took only 4
                assertThat(tx.fetchValue("select count(*) from tx_probe")).isEqualTo(3L);
            });
            assertThat(dsl.fetch("select x from tx_probe order by x").getValues(0, Integer.class))
                    .containsExactly(1, 3, 5);

            // all statements of a transaction run on one connection, in one database transaction
            dsl.transaction(cfg -> {
                DSLContext tx = DSL.using(cfg);
                Object a = tx.fetchValue("select txid_current()");
                Object b = tx.fetchValue("select txid_current()");
                assertThat(a).isEqualTo(b);
            });

            // a pool of two would be exhausted (5 s timeout, then an error) if a transaction kept its connection
            for (int i = 0; i < 20; i++) {
                int n = i;
                try {
                    dsl.transaction(cfg -> {
                        DSL.using(cfg).execute("insert into tx_probe values (" + (100 + n) + ")");
                        if (n % 2 == 0) throw new IllegalStateException("rolled back");
                    });
                } catch (IllegalStateException expected) {
                    // half of them roll back
                }
            }
            assertThat(dsl.fetchValue("select count(*) from tx_probe where x >= 100"))
                    .isEqualTo(10L);
            // and connections come back in autocommit mode: a plain statement outside a transaction is durable
            dsl.execute("insert into tx_probe values (7)");
            try (var c = db.dataSource().getConnection()) {
                assertThat(c.getAutoCommit()).isTrue();
            }
            assertThat(dsl.fetchValue("select count(*) from tx_probe where x = 7"))
                    .isEqualTo(1L);
        }
    }

    @Test
    void a_failed_statement_rolls_back_the_whole_transaction() throws Exception {
        try (Database db = TestDatabase.fresh(2)) {
            DSLContext dsl = db.dsl();
            dsl.execute("create table tx_probe (x int primary key)");
            assertThatThrownBy(() -> dsl.transaction(cfg -> {
                        DSLContext tx = DSL.using(cfg);
                        tx.execute("insert into tx_probe values (1)");
                        tx.execute("insert into tx_probe values (1)");
                    }))
                    .hasMessageContaining("tx_probe");
            assertThat(dsl.fetchValue("select count(*) from tx_probe")).isEqualTo(0L);
            dsl.transaction(cfg -> DSL.using(cfg).execute("insert into tx_probe values (1)"));
            assertThat(dsl.fetchValue("select count(*) from tx_probe")).isEqualTo(1L);
        }
    }
}
