package dev.sluice.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.store.Database;
import dev.sluice.testing.TestDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.jooq.DSLContext;
import org.jooq.exception.DataAccessException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * V35 on a database written by earlier versions: usernames equal but for case, tokens of deleted users and
 * tokens created by tokens. The migration must not fail on them, and must leave nothing it cannot account for.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AuthHardeningMigrationTest {
    private static final String USER = System.getenv().getOrDefault("SLUICE_TEST_DB_USER", "postgres");
    private static final String PASSWORD = System.getenv().getOrDefault("SLUICE_TEST_DB_PASSWORD", "");
    private static Database server;
    private static Database old;

    @BeforeAll
    static void migrateAnOldDatabase() throws Exception {
        server = TestDatabase.fresh(2); // only to learn where the test PostgreSQL is
        String name = "sluice_v35_" + ProcessHandle.current().pid();
        try (Connection c = DriverManager.getConnection(server.url(), USER, PASSWORD);
                Statement st = c.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + name);
            st.execute("CREATE DATABASE " + name); // generated above, never input
        }
        String url = server.url().replaceFirst("/[^/?]+(\\?|$)", "/" + name + "$1");
        old = Database.connect(url, USER, PASSWORD, 2);
        Flyway.configure()
                .dataSource(old.dataSource())
                .locations("classpath:db/migration")
                .target("34")
                .load()
                .migrate();

        DSLContext sql = old.dsl();
        // What versions up to V34 allowed, written as they wrote it.
        sql.execute("""
                insert into app_user (username, password_hash, role, created_at) values
                  ('admin', 'h1', 'admin',    '2026-01-01T00:00:00Z'),
                  ('Admin', 'h2', 'viewer',   '2026-01-03T00:00:00Z'),
                  ('ADMIN', 'h3', 'admin',    '2026-01-02T00:00:00Z'),
                  ('bob',   'h4', 'operator', '2026-01-01T00:00:00Z'),
                  ('Bo',    'h5', 'viewer',   '2026-01-05T00:00:00Z'),
                  ('bO',    'h6', 'viewer',   '2026-01-05T00:00:00Z')""");
        sql.execute(
                "insert into user_session (id_hash, username, expires_at) values ('s1', 'ADMIN', now() + interval '1 hour'), "
                        + "('s2', 'admin', now() + interval '1 hour')");
        sql.execute("""
                insert into api_token (name, token_hash, role, created_by) values
                  ('kept',        'a', 'admin',    'admin'),
                  ('of-dup',      'b', 'admin',    'ADMIN'),
                  ('of-deleted',  'c', 'admin',    'carol'),
                  ('fixture',     'd', 'viewer',   'test'),
                  ('ci',          'e', 'operator', 'bob'),
                  ('made-by-ci',  'f', 'viewer',   'token:ci'),
                  ('made-by-made','g', 'viewer',   'token:made-by-ci'),
                  ('orphan-made', 'h', 'viewer',   'token:gone')""");
        old.migrate();
    }

    @AfterAll
    static void close() {
        if (old != null) old.close();
        if (server != null) server.close();
    }

    @Test
    @Order(1)
    void later_case_duplicates_are_renamed_deterministically_and_audited() {
        DSLContext sql = old.dsl();
        Map<?, ?> roles = sql.resultQuery("select username, role from app_user").fetchMap(0, 1);
        // Per group the oldest keeps its name (ties: byte order, 'B' < 'b'); numbers run over lower(name), age, name.
        assertThat(roles)
                .isEqualTo(Map.of(
                        "admin",
                        "admin",
                        "ADMIN~dup1",
                        "admin",
                        "Admin~dup2",
                        "viewer",
                        "bob",
                        "operator",
                        "Bo",
                        "viewer",
                        "bO~dup3",
                        "viewer"));
        assertThat(sql.fetch("select username from user_session").getValues(0, String.class))
                .containsExactly("admin");
        assertThat(sql.fetch(
                                "select target || ' -> ' || (details->>'new_username') from audit_log where action = 'user.rename' "
                                        + "order by target collate \"C\"")
                        .getValues(0, String.class))
                .containsExactly("ADMIN -> ADMIN~dup1", "Admin -> Admin~dup2", "bO -> bO~dup3");
        assertThatThrownBy(() -> sql.execute(
                        "insert into app_user (username, password_hash, role) values ('BOB', 'x', 'viewer')"))
                .isInstanceOf(DataAccessException.class)
                .hasMessageContaining("app_user_username_ci_uq");
    }

    @Test
    @Order(2) // deletes a user
    void tokens_belong_to_existing_users_and_die_with_them() {
        DSLContext sql = old.dsl();
        assertThat(sql.resultQuery("select name, created_by from api_token").fetchMap(0, 1))
                .isEqualTo(Map.of(
                        "kept",
                        "admin",
                        "of-dup",
                        "ADMIN~dup1",
                        "ci",
                        "bob",
                        "made-by-ci",
                        "bob",
                        "made-by-made",
                        "bob"));
        List<String> revoked = sql.fetch(
                        "select details->>'name' from audit_log where action = 'token.delete' and actor = 'migration V35'")
                .getValues(0, String.class);
        assertThat(revoked).containsExactlyInAnyOrder("of-deleted", "fixture", "orphan-made");

        sql.execute("delete from app_user where username = 'bob'");
        assertThat(sql.fetch("select name from api_token").getValues(0, String.class))
                .containsExactlyInAnyOrder("kept", "of-dup");
        assertThatThrownBy(
                        () -> sql.execute(
                                "insert into api_token (name, token_hash, role, created_by) values ('x', 'z', 'viewer', 'carol')"))
                .isInstanceOf(DataAccessException.class)
                .hasMessageContaining("api_token_owner_fk");
        assertThat(sql.fetchValue("select count(*) from api_token where expires_at is not null"))
                .isEqualTo(0L);
    }
}
