package dev.sluice.server.cli;

import dev.sluice.config.SluiceConfig;
import dev.sluice.server.SluiceApp;
import dev.sluice.server.http.HttpSettings;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
        name = "standalone",
        mixinStandardHelpOptions = true,
        description =
                "Runs database (embedded unless SLUICE_DB_URL is set), scheduler, server and worker in one process.")
final class StandaloneCommand implements Callable<Integer> {
    @Option(names = "--dags", description = "DAG folder (default: the repository's examples)")
    Path dags;

    @Option(names = "--port", defaultValue = "8080", description = "HTTP port (default: ${DEFAULT-VALUE})")
    int port;

    @Option(
            names = "--bind",
            description = "Address to listen on (default: $SLUICE_BIND or 127.0.0.1, this machine only;"
                    + " 0.0.0.0 for every interface)")
    String bind;

    @Override
    public Integer call() throws Exception {
        SluiceConfig config = SluiceConfig.fromEnvironment();
        Path folder = dags != null ? dags.toAbsolutePath() : SluiceCli.defaultDags();
        HttpSettings http = HttpSettings.fromEnvironment();
        if (bind != null) http = http.withBind(bind);
        SluiceApp app = SluiceApp.open(config, folder).start().startHttp(http, port);
        var sync = app.dagSync.last();
        System.out.printf(
                "Sluice is running: http://localhost:%d/ui/  (API: http://localhost:%d/api/v1/health)%n",
                app.httpPort(), app.httpPort());
        System.out.printf(
                "Listening on %s:%d%s%n",
                http.bind(),
                app.httpPort(),
                HttpSettings.DEFAULT_BIND.equals(http.bind())
                        ? " (this machine only; --bind 0.0.0.0 or SLUICE_BIND to expose it)"
                        : "");
        System.out.printf(
                "DAGs from %s (DAG source '%s'): %s%s%n",
                folder,
                app.dagSync.sourceId(),
                sync.dags().keySet(),
                sync.importErrors().isEmpty()
                        ? ""
                        : "; import errors in " + sync.importErrors().keySet());
        System.out.println("Data in " + config.home() + ". Press Ctrl+C to stop.");
        return NodeCommands.runUntilStopped(app);
    }
}
