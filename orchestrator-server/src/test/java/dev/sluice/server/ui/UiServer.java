package dev.sluice.server.ui;

import dev.sluice.config.SluiceConfig;
import dev.sluice.engine.EngineConfig;
import dev.sluice.server.SluiceApp;
import dev.sluice.server.auth.Role;
import dev.sluice.server.auth.UserStore;
import dev.sluice.testing.TestDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;

/**
 * A full Sluice process for the browser tests: fresh database, a DAG folder the test writes, the engine running
 * real tasks, HTTP on a free port, and one user per role (password = "pw-" + role).
 */
final class UiServer implements AutoCloseable {
    final SluiceApp app;
    final Path home;
    final Path dags;

    private UiServer(SluiceApp app, Path home, Path dags) {
        this.app = app;
        this.home = home;
        this.dags = dags;
    }

    static UiServer start(Map<String, String> dagFiles) throws IOException {
        Path home = Files.createTempDirectory("sluice-ui-test");
        Path dags = Files.createDirectories(home.resolve("dags"));
        for (var e : dagFiles.entrySet()) Files.writeString(dags.resolve(e.getKey()), e.getValue());
        var config = new SluiceConfig(home, null, null, null, 0, SluiceConfig.DEFAULT_PREDICTION_LOG_RATE);
        var app = new SluiceApp(config, TestDatabase.fresh(), dags, EngineConfig.defaults(home), Clock.systemUTC());
        app.start().startHttp(0);
        UserStore users = new UserStore(app.db.dsl());
        for (Role r : Role.values()) {
            String name = r.apiName();
            // "admin" already exists (the server creates it with a generated password): set a known one.
            if (users.get(name).isEmpty()) users.create(name, "pw-" + name, r);
            else users.update(name, r, "pw-" + name);
        }
        return new UiServer(app, home, dags);
    }

    String base() {
        return "http://127.0.0.1:" + app.httpPort();
    }

    @Override
    public void close() {
        app.close();
    }
}
