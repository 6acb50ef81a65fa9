package dev.sluice.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.sluice.config.SluiceConfig;
import dev.sluice.testing.EmbeddedDatabaseMain;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The embedded PostgreSQL of a SLUICE_HOME: a password only its owner can read, no way into another home's
 * database through a taken port, and a restart after SIGKILL that takes over the server the dead process left.
 * Processes that are killed run in JVMs of their own ({@link EmbeddedDatabaseMain}).
 */
class EmbeddedPostgresHomeTest {
    private final List<Process> children = new ArrayList<>();
    private final List<Path> homes = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception {
        for (Process p : children) {
            p.destroyForcibly();
            p.waitFor();
        }
        // a SIGKILLed child leaves its PostgreSQL running: stop what is left
        for (Path home : homes) {
            Long pid = postmasterPid(home);
            if (pid == null) continue;
            var handle = ProcessHandle.of(pid);
            if (handle.isPresent()) {
                handle.get().destroy();
                handle.get().onExit().get(60, TimeUnit.SECONDS);
            }
        }
    }

    private Path home() throws Exception {
        Path home = Files.createTempDirectory("sluice-home");
        homes.add(home);
        return home;
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static SluiceConfig config(Path home, int port) {
        return SluiceConfig.from(
                Map.of("SLUICE_HOME", home.toString(), "SLUICE_EMBEDDED_DB_PORT", String.valueOf(port)));
    }

    private Process startChild(Path home, int port) throws Exception {
        Path log = home.resolve("child.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(
                        java,
                        "-cp",
                        System.getProperty("java.class.path"),
                        EmbeddedDatabaseMain.class.getName(),
                        home.toString(),
                        String.valueOf(port))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        children.add(child);
        await().atMost(Duration.ofMinutes(2)).until(() -> {
            if (!child.isAlive()) throw new AssertionError("the child died:\n" + Files.readString(log));
            return Files.exists(log) && Files.readString(log).contains("ready ");
        });
        return child;
    }

    private static String password(Path home) throws Exception {
        return Files.readString(home.resolve("postgres-password")).strip();
    }

    private static Connection connect(int port, String password) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", "postgres");
        if (password != null) p.setProperty("password", password);
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", p);
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    private static Object query(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement();
                var rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getObject(1);
        }
    }

    private static Long postmasterPid(Path home) throws Exception {
        Path pidFile = home.resolve("postgres/postmaster.pid");
        if (!Files.exists(pidFile)) return null;
        return Long.parseLong(Files.readAllLines(pidFile).get(0).strip());
    }

    private static int portOf(Database db) {
        String url = db.url();
        return Integer.parseInt(url.substring(url.lastIndexOf(':') + 1, url.lastIndexOf('/')));
    }

    @Test
    void every_connection_needs_the_password_which_only_the_owner_can_read() throws Exception {
        Path home = home();
        int port = freePort();
        try (Database db = Database.open(config(home, port), 2)) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve("postgres-password"))))
                    .isEqualTo("rw-------");
            assertThat(db.url()).isEqualTo("jdbc:postgresql://127.0.0.1:" + port + "/postgres");
            assertThatThrownBy(() -> connect(port, null).close()).isInstanceOf(SQLException.class);
            assertThatThrownBy(() -> connect(port, "guess").close())
                    .hasMessageContaining("password authentication failed");
            try (Connection c = connect(port, password(home))) {
                assertThat(query(c, "select 1")).isEqualTo(1);
            }
            assertThat(Files.readAllLines(home.resolve("postgres/pg_hba.conf")))
                    .filteredOn(l -> !l.isBlank() && !l.startsWith("#"))
                    .allSatisfy(l -> assertThat(l).endsWith("scram-sha-256"));
        }
    }

    @Test
    void a_data_directory_made_without_a_password_gets_one_at_start_and_keeps_its_data() throws Exception {
        Path home = home();
        int port = freePort();
        // what earlier versions made: trust authentication, no password
        try (EmbeddedPostgres old = EmbeddedPostgres.builder()
                        .setDataDirectory(home.resolve("postgres"))
                        .setCleanDataDirectory(false)
                        .setPort(port)
                        .start();
                Connection c = old.getPostgresDatabase().getConnection()) {
            execute(c, "create table kept (x int); insert into kept values (42)");
        }

        try (Database db = Database.open(config(home, port), 2)) {
            assertThat(db.dsl().fetchValue("select x from kept")).isEqualTo(42);
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(
                            () -> assertThatThrownBy(() -> connect(port, null).close())
                                    .isInstanceOf(SQLException.class));
            try (Connection c = connect(port, password(home))) {
                assertThat(query(c, "select x from kept")).isEqualTo(42);
            }
        }
        // and starts as any other home from then on
        try (Database db = Database.open(config(home, port), 2)) {
            assertThat(db.dsl().fetchValue("select x from kept")).isEqualTo(42);
        }
        assertThat(postmasterPid(home)).as("stopped at close").isNull();
    }

    @Test
    void a_restart_after_sigkill_takes_over_the_server_the_killed_process_left_running() throws Exception {
        Path home = home();
        int port = freePort();
        Process first = startChild(home, port);
        try (Connection c = connect(port, password(home))) {
            execute(c, "create table survived (x int); insert into survived values (7)");
        }
        long orphan = postmasterPid(home);

        first.destroyForcibly(); // SIGKILL: no shutdown hook stops PostgreSQL
        first.waitFor();
        assertThat(ProcessHandle.of(orphan).map(ProcessHandle::isAlive))
                .as("PostgreSQL outlives its process")
                .contains(true);

        try (Database db = Database.open(config(home, port), 2)) {
            assertThat(db.dsl().fetchValue("select x from survived")).isEqualTo(7);
            assertThat(ProcessHandle.of(orphan).map(ProcessHandle::isAlive).orElse(false))
                    .as("the orphan was stopped")
                    .isFalse();
            assertThat(postmasterPid(home)).isNotEqualTo(orphan);
            assertThatThrownBy(() -> connect(port, null).close()).isInstanceOf(SQLException.class);
        }
        assertThat(postmasterPid(home)).as("no server left after a clean stop").isNull();
    }

    @Test
    void while_a_home_runs_its_server_the_same_home_shares_it_and_another_home_never_enters_it() throws Exception {
        Path homeA = home();
        Path homeB = home();
        int port = freePort();
        Process owner = startChild(homeA, port);
        try (Connection c = connect(port, password(homeA))) {
            execute(c, "create table only_in_a (x int); insert into only_in_a values (1)");
        }

        // the same home: a second process (say, dags test) uses the running server and leaves it running
        try (Database shared = Database.open(config(homeA, port), 2)) {
            assertThat(shared.dsl().fetchValue("select x from only_in_a")).isEqualTo(1);
        }
        try (Connection c = connect(port, password(homeA))) {
            assertThat(query(c, "select x from only_in_a")).isEqualTo(1);
        }

        // another home asking for the taken port: an error naming the port and the home
        assertThatThrownBy(() -> Database.open(config(homeB, port), 2))
                .hasMessageContaining("port " + port)
                .hasMessageContaining("SLUICE_HOME=" + homeB);

        // another home whose default port is taken: a free port and its own database
        try (Database other = Database.openEmbedded(homeB, port, false, 2)) {
            assertThat(portOf(other)).isNotEqualTo(port);
            assertThat(Path.of(other.dsl().fetchValue("show data_directory").toString())
                            .toRealPath())
                    .isEqualTo(homeB.resolve("postgres").toRealPath());
            assertThat(other.dsl().fetchValue("select to_regclass('only_in_a')"))
                    .isNull();
        }

        owner.destroy(); // SIGTERM: its shutdown hook stops the server
        assertThat(owner.waitFor(60, TimeUnit.SECONDS)).isTrue();
        await().atMost(Duration.ofSeconds(30)).until(() -> postmasterPid(homeA) == null);
    }
}
