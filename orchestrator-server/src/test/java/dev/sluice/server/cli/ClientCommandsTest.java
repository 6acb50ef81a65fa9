package dev.sluice.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.SluiceConfig;
import dev.sluice.engine.EngineConfig;
import dev.sluice.server.SluiceApp;
import dev.sluice.server.auth.Role;
import dev.sluice.server.auth.TokenStore;
import dev.sluice.testing.TestDatabase;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The client commands against a real server. */
class ClientCommandsTest {
    static SluiceApp app;
    static String url, token, viewerToken;

    @BeforeAll
    static void start() throws Exception {
        Path home = Files.createTempDirectory("sluice-cli-test");
        Path dags = Files.createDirectories(home.resolve("dags"));
        Files.writeString(dags.resolve("daily.yaml"), """
                id: daily
                schedule: "@daily"
                params:
                  rows: { type: integer, default: 1 }
                  label: { type: string, default: "x" }
                tasks:
                  - id: only
                    type: noop
                """);
        var engine = EngineConfig.defaults(home)
                .withHeartbeat(Duration.ofMillis(200))
                .withPollInterval(Duration.ofMillis(200));
        app = new SluiceApp(
                        SluiceConfig.from(Map.of("SLUICE_HOME", home.toString())),
                        TestDatabase.fresh(12),
                        dags,
                        engine,
                        Clock.systemUTC())
                .start()
                .startHttp(0);
        url = "http://localhost:" + app.httpPort();
        token = new TokenStore(app.db.dsl())
                .create("cli", Role.OPERATOR, "admin")
                .token();
        viewerToken = new TokenStore(app.db.dsl())
                .create("cli-viewer", Role.VIEWER, "admin")
                .token();
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    record Result(int code, String out, String err) {}

    static Result run(String... args) {
        PrintStream out = System.out, err = System.err;
        var o = new ByteArrayOutputStream();
        var e = new ByteArrayOutputStream();
        System.setOut(new PrintStream(o, true));
        System.setErr(new PrintStream(e, true));
        try {
            int code = SluiceCli.run(args);
            return new Result(code, o.toString(), e.toString());
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void trigger_with_typed_params_then_list_runs_and_dags() {
        var t = run("trigger", "daily", "--param", "rows=5", "--param", "label=5", "--url", url, "--token", token);
        assertThat(t.code()).as(t.err()).isZero();
        String runId = t.out().trim();
        assertThat(runId).startsWith("manual__");
        var runs = run("runs", "list", "daily", "--url", url, "--token", token);
        assertThat(runs.out()).contains(runId);
        var dags = run("dags", "list", "--url", url, "--token", token);
        assertThat(dags.code()).isZero();
        assertThat(dags.out()).contains("daily").contains("@daily");
    }

    @Test
    void backfill_creates_runs_and_errors_are_reported_with_exit_code_1() {
        var b = run(
                "backfill",
                "daily",
                "--from",
                "2025-05-01",
                "--to",
                "2025-05-02",
                "--max-active-runs",
                "2",
                "--url",
                url,
                "--token",
                token);
        assertThat(b.code()).as(b.err()).isZero();
        assertThat(b.out()).contains("2 run(s) created so far (at most 2 at a time)");
        var denied = run("trigger", "daily", "--url", url, "--token", viewerToken);
        assertThat(denied.code()).isEqualTo(1);
        assertThat(denied.err()).contains("HTTP 403");
        var bad = run("trigger", "daily", "--param", "nope=1", "--url", url, "--token", token);
        assertThat(bad.err()).contains("HTTP 400").contains("field params.nope");
    }
}
