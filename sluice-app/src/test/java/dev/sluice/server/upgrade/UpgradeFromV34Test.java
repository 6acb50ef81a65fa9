package dev.sluice.server.upgrade;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.config.SluiceConfig;
import dev.sluice.engine.EngineConfig;
import dev.sluice.server.SluiceApp;
import dev.sluice.server.http.ApiJson;
import dev.sluice.store.Database;
import dev.sluice.testing.TestDatabase;
import java.io.IOException;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

/**
 * Upgrades lose nothing: a database and SLUICE_HOME written by the real previous version (see
 * src/test/resources/upgrade/v34/README.md) are migrated to the latest schema and served by today's code. Runs,
 * attempts and their logs, artifacts, the registered model (it still predicts), users, the API token, the audit log
 * and the schedule all survive.
 */
class UpgradeFromV34Test {
    static final Path FIXTURE = Path.of("src/test/resources/upgrade/v34");
    /** The operator token the old version issued (a test fixture's credential, valid only in this fixture). */
    static final String OLD_TOKEN = "slu_EKaCrhDD5_d76TpGvMtmWVEoIoEjp3ZOAnJaEWLp0w0";

    static final String USER = System.getenv().getOrDefault("SLUICE_TEST_DB_USER", "postgres");
    static final String PASSWORD = System.getenv().getOrDefault("SLUICE_TEST_DB_PASSWORD", "");

    static Database server;
    static SluiceApp app;
    static String base;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void upgradeTheOldHome() throws Exception {
        Path home = Files.createTempDirectory("sluice-upgrade");
        copyTree(FIXTURE.resolve("home"), home);
        Path dags = Files.createDirectories(home.resolve("dags"));
        copyTree(Path.of("../examples/dags"), dags);

        server = TestDatabase.fresh(2); // only to learn where the test PostgreSQL is
        String name = "sluice_upgrade_" + ProcessHandle.current().pid();
        try (Connection c = DriverManager.getConnection(server.url(), USER, PASSWORD);
                Statement st = c.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + name);
            st.execute("CREATE DATABASE " + name); // generated above, never input
        }
        String url = server.url().replaceFirst("/[^/?]+(\\?|$)", "/" + name + "$1");
        Database db = Database.connect(url, USER, PASSWORD, 16);
        Flyway.configure()
                .dataSource(db.dataSource())
                .locations("classpath:db/migration")
                .target("34")
                .load()
                .migrate();
        load(db, Map.of("/tmp/oldhome", home.toString(), "/work/wt-old/examples/dags", dags.toString()));
        db.migrate();

        var config = SluiceConfig.from(Map.of("SLUICE_HOME", home.toString()));
        var engine = EngineConfig.defaults(home)
                .withHeartbeat(Duration.ofMillis(200))
                .withPollInterval(Duration.ofMillis(200));
        app = new SluiceApp(config, db, dags, engine, Clock.systemUTC()).start().startHttp(0);
        base = "http://localhost:" + app.httpPort() + "/api/v1";
    }

    @AfterAll
    static void close() {
        if (app != null) app.close();
        if (server != null) server.close();
    }

    /** Every table's rows as the old version left them, with its absolute paths moved to this test's home. */
    private static void load(Database db, Map<String, String> moved) throws Exception {
        List<Path> tables;
        try (Stream<Path> s = Files.list(FIXTURE.resolve("tables"))) {
            tables = s.sorted().toList();
        }
        try (Connection c = db.dataSource().getConnection();
                Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.execute("set session_replication_role = replica"); // rows load in file order; FKs hold as a whole
            for (Path t : tables) {
                String table = t.getFileName().toString().replace(".csv", "");
                st.execute("delete from " + table); // rows V34's own migrations seed (Quartz locks, the default pool)
                String csv = Files.readString(t);
                for (var e : moved.entrySet()) csv = csv.replace(e.getKey(), e.getValue());
                c.unwrap(PGConnection.class)
                        .getCopyAPI()
                        .copyIn("copy " + table + " from stdin with (format csv, header)", new StringReader(csv));
            }
            // Serial columns continue after the loaded ids.
            var seqs = st.executeQuery("select table_name, column_name from information_schema.columns "
                    + "where table_schema = 'public' and column_default like 'nextval%'");
            List<String[]> serials = new java.util.ArrayList<>();
            while (seqs.next()) serials.add(new String[] {seqs.getString(1), seqs.getString(2)});
            for (String[] s : serials) {
                st.execute("select setval(pg_get_serial_sequence('" + s[0] + "', '" + s[1] + "'), "
                        + "coalesce((select max(" + s[1] + ") from " + s[0] + "), 0) + 1, false)");
            }
            c.commit();
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(target);
                else Files.copy(p, target);
            }
        }
    }

    private static JsonNode get(String path) throws Exception {
        var r = http.send(
                HttpRequest.newBuilder(URI.create(base + path))
                        .header("Authorization", "Bearer " + OLD_TOKEN)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
        return ApiJson.MAPPER.readTree(r.body());
    }

    private static HttpResponse<String> post(String path, String body, Map<String, String> headers) throws Exception {
        var b = HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(b::header);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void runs_attempts_and_their_logs_are_readable() throws Exception {
        JsonNode runs = get("/runs?limit=50").path("items");
        assertThat(runs.findValuesAsText("run_id"))
                .contains(
                        "manual__2026-11-03T00:00:00Z",
                        "manual__2026-11-05T00:00:00Z",
                        "scheduled__2026-12-06T03:00:00Z");
        assertThat(runs.findValuesAsText("state")).containsOnly("success");
        JsonNode extract = get("/dags/hello_sluice/runs/manual__2026-11-05T00:00:00Z/tasks/extract");
        assertThat(extract.path("attempts")).hasSize(1);
        assertThat(extract.path("attempts").get(0).path("state").asText()).isEqualTo("success");
        JsonNode log = get("/dags/hello_sluice/runs/manual__2026-11-05T00:00:00Z/tasks/extract/logs?try=1");
        assertThat(log.path("text").asText()).contains("extracted 5 rows for 2026-11-05");
        JsonNode train = get("/dags/daily_retraining/runs/scheduled__2026-12-06T03:00:00Z/tasks/train");
        assertThat(train.path("state").asText()).isEqualTo("success");
    }

    @Test
    void the_registered_model_is_still_the_champion_and_still_predicts() throws Exception {
        JsonNode models = get("/models").path("items");
        assertThat(models.findValuesAsText("name")).contains("adult_income");
        assertThat(models.get(0).path("champion_version").asInt()).isEqualTo(1);
        JsonNode experiments = get("/experiments?limit=50").path("items");
        assertThat(experiments.size()).isGreaterThanOrEqualTo(2);
        String row = """
                {"rows": [{"age": 39, "workclass": "State-gov", "fnlwgt": 77516, "education": "Bachelors",
                 "education_num": 13, "marital_status": "Never-married", "occupation": "Adm-clerical",
                 "relationship": "Not-in-family", "race": "White", "sex": "Male", "capital_gain": 2174,
                 "capital_loss": 0, "hours_per_week": 40, "native_country": "United-States"}]}""";
        var predicted = post("/models/adult_income/predict", row, Map.of("Authorization", "Bearer " + OLD_TOKEN));
        assertThat(predicted.statusCode()).as(predicted.body()).isEqualTo(200);
        assertThat(predicted.body()).contains("prediction");
    }

    @Test
    void users_log_in_with_their_old_passwords_and_the_old_token_keeps_its_role() throws Exception {
        var admin = post("/auth/login", "{\"username\": \"admin\", \"password\": \"admin-pass-123\"}", Map.of());
        assertThat(admin.statusCode()).as(admin.body()).isEqualTo(200);
        var analyst = post("/auth/login", "{\"username\": \"Analyst\", \"password\": \"analyst-pass-1\"}", Map.of());
        assertThat(analyst.statusCode()).as(analyst.body()).isEqualTo(200);
        assertThat(analyst.body()).contains("\"role\":\"viewer\"");
        assertThat(get("/auth/me").path("role").asText()).isEqualTo("operator");
    }

    @Test
    void the_schedule_is_still_armed_and_the_dags_are_active() throws Exception {
        org.awaitility.Awaitility.await()
                .atMost(Duration.ofSeconds(20))
                .until(() -> app.scheduler.nextFire("daily_retraining").isPresent());
        JsonNode dag = get("/dags/daily_retraining");
        assertThat(dag.path("is_active").asBoolean()).isTrue();
        assertThat(dag.path("next_run_at").isNull()).isFalse();
        assertThat(get("/dags").path("items").findValuesAsText("dag_id"))
                .contains("hello_sluice", "daily_retraining", "adult_marital_status");
    }
}
