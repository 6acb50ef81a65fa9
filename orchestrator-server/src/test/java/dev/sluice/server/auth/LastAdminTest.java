package dev.sluice.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.store.Database;
import dev.sluice.testing.TestDatabase;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A server always keeps an admin, also when two admins step down at the same moment. */
class LastAdminTest {
    private static Database db;
    private static UserStore users;

    @BeforeAll
    static void open() {
        db = TestDatabase.fresh(8);
        users = new UserStore(db.dsl());
        users.create("ann", "ann-password", Role.ADMIN);
        users.create("ben", "ben-password", Role.ADMIN);
        users.create("cal", "cal-password", Role.VIEWER);
    }

    @AfterAll
    static void close() {
        db.close();
    }

    private static void bothAdmins() {
        users.update("ann", Role.ADMIN, null);
        users.update("ben", Role.ADMIN, null);
        assertThat(users.countAdmins()).isEqualTo(2);
    }

    @Test
    void the_last_admin_is_neither_demoted_nor_deleted() {
        bothAdmins();
        users.update("ann", Role.OPERATOR, null);
        assertThatThrownBy(() -> users.update("BEN", Role.VIEWER, null))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("cannot demote ben: the last admin; make another user admin first");
        assertThatThrownBy(() -> users.delete("ben"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("cannot delete ben: the last admin; make another user admin first");
        // What is not a demotion stays possible: a new password, "admin" again, changes to other users.
        users.update("ben", Role.ADMIN, "ben-password-2");
        users.update("cal", Role.OPERATOR, null);
        assertThat(users.countAdmins()).isEqualTo(1);
        assertThat(users.get("ben").orElseThrow().role()).isEqualTo(Role.ADMIN);
    }

    /** Two transactions that each see two admins must not both go through: one waits for the other and is refused. */
    @Test
    void concurrent_demotions_and_deletions_of_the_last_two_admins_leave_one() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 30; round++) {
                bothAdmins();
                CyclicBarrier start = new CyclicBarrier(2);
                boolean deleteBen = round % 3 == 2;
                List<Callable<Boolean>> steps = List.of(
                        () -> attempt(start, () -> users.update("ann", Role.VIEWER, null)),
                        () -> attempt(start, () -> {
                            if (deleteBen) users.delete("ben");
                            else users.update("ben", Role.OPERATOR, null);
                        }));
                List<Boolean> done = new ArrayList<>();
                for (Future<Boolean> f : pool.invokeAll(steps)) done.add(f.get());
                assertThat(done).as("round " + round).containsExactlyInAnyOrder(true, false);
                assertThat(users.countAdmins()).as("round " + round).isEqualTo(1);
                if (users.get("ben").isEmpty()) users.create("ben", "ben-password", Role.ADMIN);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** True when the change went through, false when it was refused for leaving no admin. */
    private static boolean attempt(CyclicBarrier start, Runnable change) throws Exception {
        start.await();
        try {
            change.run();
            return true;
        } catch (IllegalStateException e) {
            assertThat(e.getMessage()).contains("the last admin");
            return false;
        }
    }
}
