package dev.sluice.server.bench;

import dev.sluice.config.SluiceConfig;
import dev.sluice.engine.EngineConfig;
import dev.sluice.server.SluiceApp;
import dev.sluice.server.auth.LoginThrottle;
import dev.sluice.server.auth.Passwords;
import dev.sluice.server.auth.Role;
import dev.sluice.server.auth.UserStore;
import dev.sluice.testing.TestDatabase;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.Map;

/**
 * What a correct login costs through real HTTP: BCrypt (cost 10) should dominate, and login throttling must add no
 * more than one small indexed read. Not a unit test: run it as scripts/bench-api.sh runs ApiListBenchmark (same
 * class path, this class name), before and after a change to the login path.
 */
public final class LoginCostBenchmark {
    static final int WARMUP = 30, SAMPLES = 200;

    public static void main(String[] args) throws Exception {
        Path home = Files.createTempDirectory("sluice-login-bench");
        Path dags = Files.createDirectories(home.resolve("dags"));
        try (SluiceApp app = new SluiceApp(
                SluiceConfig.from(Map.of("SLUICE_HOME", home.toString())),
                TestDatabase.fresh(8),
                dags,
                EngineConfig.defaults(home),
                Clock.systemUTC())) {
            app.startHttp(0);
            new UserStore(app.db.dsl()).create("bench", "bench-password", Role.VIEWER);
            HttpClient http = HttpClient.newHttpClient();
            HttpRequest login = HttpRequest.newBuilder(
                            URI.create("http://localhost:" + app.httpPort() + "/api/v1/auth/login"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(
                            "{\"username\":\"bench\",\"password\":\"bench-password\"}"))
                    .build();
            for (int i = 0; i < WARMUP; i++) send(http, login);
            long[] ms = new long[SAMPLES];
            for (int i = 0; i < SAMPLES; i++) {
                long t0 = System.nanoTime();
                send(http, login);
                ms[i] = (System.nanoTime() - t0) / 1000;
            }
            Arrays.sort(ms);
            System.out.printf(
                    "correct login over HTTP: median %.2f ms, p90 %.2f ms, p99 %.2f ms (%d samples)%n",
                    ms[SAMPLES / 2] / 1000.0, ms[SAMPLES * 9 / 10] / 1000.0, ms[SAMPLES * 99 / 100] / 1000.0, SAMPLES);
            // The parts: the throttle's one read against the password check it precedes.
            String hash = Passwords.hash("bench-password");
            LoginThrottle throttle = new LoginThrottle(app.db.dsl(), Clock.systemUTC());
            throttle.recordFailure("someone", "127.0.0.1"); // a row for the address, as on a real server
            System.out.printf(
                    "throttle check: median %.3f ms; BCrypt check: median %.2f ms%n",
                    median(() -> throttle.check("bench", "127.0.0.1")) / 1000.0,
                    median(() -> Passwords.matches("bench-password", hash)) / 1000.0);
        }
    }

    /** Median microseconds of 200 calls after 50 warm-up calls. */
    private static long median(Runnable r) {
        for (int i = 0; i < 50; i++) r.run();
        long[] us = new long[200];
        for (int i = 0; i < us.length; i++) {
            long t0 = System.nanoTime();
            r.run();
            us[i] = (System.nanoTime() - t0) / 1000;
        }
        Arrays.sort(us);
        return us[us.length / 2];
    }

    private static void send(HttpClient http, HttpRequest r) throws Exception {
        var a = http.send(r, HttpResponse.BodyHandlers.ofString());
        if (a.statusCode() != 200) throw new IllegalStateException("login failed: " + a.statusCode() + " " + a.body());
    }
}
