package dev.sluice.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.SluiceConfig;
import dev.sluice.testing.TestDags;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DatabaseTest {

    @Test
    void migrates_a_real_postgres_from_zero_to_the_latest_schema() throws Exception {
        try (Database db = dev.sluice.testing.TestDatabase.fresh()) {
            var dsl = db.dsl();
            long scripts;
            try (var files = Files.list(Path.of("../db/src/main/resources/db/migration"))) {
                scripts = files.filter(f -> f.toString().endsWith(".sql")).count();
            }
            assertThat(dsl.fetchValue("select count(*) from flyway_schema_history where success"))
                    .isEqualTo(scripts);
            var tables = dsl.fetch("select table_name from information_schema.tables where table_schema = 'public'")
                    .getValues(0, String.class);
            assertThat(tables)
                    .contains("dag", "dag_version", "dag_run", "task_instance", "attempt", "worker", "import_error");
            // states are text with CHECK constraints: an unknown state is refused by the database itself
            org.assertj.core.api.Assertions.assertThatThrownBy(
                            () -> dsl.execute(
                                    "insert into dag (dag_id) values ('x'); insert into worker (worker_id, hostname, slots) values ('w', 'h', 1);"
                                            + "update dag set is_paused = true where dag_id = 'x'; insert into dag_run (dag_id, run_id, dag_version_id, state, run_type, logical_date) values ('x', 'r', 1, 'exploded', 'manual', now())"))
                    .hasMessageContaining("dag_run");
        }
    }

    @Test
    void embedded_default_keeps_its_data_under_sluice_home_across_restarts() throws Exception {
        Path home = Files.createTempDirectory("sluice-home");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        SluiceConfig config = SluiceConfig.from(
                Map.of("SLUICE_HOME", home.toString(), "SLUICE_EMBEDDED_DB_PORT", String.valueOf(port)));
        assertThat(config.embedded()).isTrue();
        try (Database db = Database.open(config, 4).migrate()) {
            new DagRepository(db.dsl(), Clock.systemUTC())
                    .save(
                            TestDags.dag("kept", 1, List.of(TestDags.task("a", "noop", List.of(), Map.of()))),
                            "kept.yaml",
                            "src");
        }
        assertThat(home.resolve("postgres")).isDirectory();
        try (Database db = Database.open(config, 4).migrate()) {
            assertThat(new DagRepository(db.dsl(), Clock.systemUTC()).latestVersionId("kept"))
                    .isPresent();
        }
    }

    @Test
    void config_never_prints_the_password() {
        SluiceConfig c =
                SluiceConfig.from(Map.of("SLUICE_DB_URL", "jdbc:postgresql://db/s", "SLUICE_DB_PASSWORD", "hunter2"));
        assertThat(c.toString()).doesNotContain("hunter2").contains("jdbc:postgresql://db/s");
    }
}
