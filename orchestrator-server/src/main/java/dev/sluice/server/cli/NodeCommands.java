package dev.sluice.server.cli;

import dev.sluice.config.SluiceConfig;
import dev.sluice.engine.EngineConfig;
import dev.sluice.engine.LogSettings;
import dev.sluice.server.NodeRole;
import dev.sluice.server.SluiceApp;
import dev.sluice.server.http.HttpSettings;
import dev.sluice.task.Durations;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The commands that start one node of a cluster: {@code scheduler}, {@code server}, {@code worker}. Any number of
 * each may share one PostgreSQL; {@code standalone} is all three in one process.
 */
final class NodeCommands {
    private NodeCommands() {}

    /** Runs {@code app} until SIGTERM or Ctrl+C; closing it then drains a worker (see EngineConfig#drainTimeout). */
    static int runUntilStopped(SluiceApp app) throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            app.close();
            stopped.countDown();
        }));
        stopped.await();
        return 0;
    }

    static HttpSettings http(String bind) {
        HttpSettings http = HttpSettings.fromEnvironment();
        return bind != null ? http.withBind(bind) : http;
    }

    /** One line that says what the node is, where its data is and how to stop it. */
    static void announce(SluiceApp app, String what) {
        System.out.printf("Sluice %s is running (node %s). %s%n", app.engineConfig.role(), app.engine.workerId(), what);
        System.out.println("Data in " + app.config.home() + ". Press Ctrl+C to stop.");
    }

    static String probes(SluiceApp app, HttpSettings http, Integer port) {
        return port == null
                ? "No HTTP port (--port N serves health, readiness and metrics)."
                : "Health: http://%s:%d/api/v1/health, readiness /api/v1/health/ready, metrics /api/v1/metrics."
                        .formatted(http.bind(), app.httpPort());
    }

    static void checkPort(Integer port, String option) {
        if (port != null && (port < 0 || port > 65535)) {
            throw new IllegalArgumentException(option + " must be 0 to 65535 (0: any free port), got " + port);
        }
    }

    @Command(
            name = "scheduler",
            mixinStandardHelpOptions = true,
            description = {
                "Runs a scheduler node: syncs the DAG folder, fires schedules, steps backfills, declares"
                        + " silent nodes dead. Runs no task and serves no API; any number may share one database."
            })
    static final class Scheduler implements Callable<Integer> {
        @Option(names = "--dags", description = "DAG folder (default: the repository's examples)")
        Path dags;

        @Option(names = "--port", description = "Serve health, readiness and metrics on this port (default: none)")
        Integer port;

        @Option(names = "--bind", description = "Address for --port (default: $SLUICE_BIND or 127.0.0.1)")
        String bind;

        Path folder() {
            return dags != null ? dags.toAbsolutePath() : SluiceCli.defaultDags();
        }

        @Override
        public Integer call() throws Exception {
            checkPort(port, "--port");
            SluiceConfig config = SluiceConfig.fromEnvironment();
            HttpSettings http = http(bind);
            SluiceApp app = SluiceApp.open(
                            config,
                            EnumSet.of(NodeRole.SCHEDULER),
                            folder(),
                            EngineConfig.defaults(config.home()).withLogs(LogSettings.fromEnvironment()))
                    .start();
            if (port != null) app.startProbes(http.bind(), port);
            var sync = app.dagSync.last();
            announce(app, probes(app, http, port));
            System.out.printf(
                    "DAGs from %s (DAG source '%s'): %s%s%n",
                    folder(),
                    app.dagSync.sourceId(),
                    sync.dags().keySet(),
                    sync.importErrors().isEmpty()
                            ? ""
                            : "; import errors in " + sync.importErrors().keySet());
            return runUntilStopped(app);
        }
    }

    @Command(
            name = "server",
            mixinStandardHelpOptions = true,
            description = {
                "Runs a server node: the REST API and the dashboard. Creates and controls runs; runs no"
                        + " task, reads no DAG folder, fires no schedule. Any number may share one database."
            })
    static final class Server implements Callable<Integer> {
        @Option(names = "--port", defaultValue = "8080", description = "HTTP port (default: ${DEFAULT-VALUE})")
        int port;

        @Option(
                names = "--bind",
                description = "Address to listen on (default: $SLUICE_BIND or 127.0.0.1, this machine"
                        + " only; 0.0.0.0 for every interface)")
        String bind;

        @Override
        public Integer call() throws Exception {
            checkPort(port, "--port");
            SluiceConfig config = SluiceConfig.fromEnvironment();
            HttpSettings http = http(bind);
            SluiceApp app = SluiceApp.open(
                            config,
                            EnumSet.of(NodeRole.SERVER),
                            null,
                            EngineConfig.defaults(config.home()).withLogs(LogSettings.fromEnvironment()))
                    .start()
                    .startHttp(http, port);
            announce(
                    app,
                    "Dashboard: http://localhost:%d/ui/ (API: http://localhost:%d/api/v1/health); listening on %s:%d."
                            .formatted(app.httpPort(), app.httpPort(), http.bind(), app.httpPort()));
            return runUntilStopped(app);
        }
    }

    @Command(
            name = "worker",
            mixinStandardHelpOptions = true,
            description = {
                "Runs a worker node: claims and runs the tasks of its queues. On SIGTERM it stops claiming,"
                        + " lets running tasks finish for the drain timeout and hands the rest back (no try spent)."
                        + " Any number may share one database."
            })
    static final class Worker implements Callable<Integer> {
        private static final Pattern QUEUE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,99}");

        @Option(
                names = "--queues",
                split = ",",
                defaultValue = "default",
                description = "Queues to claim from, comma-separated (default: ${DEFAULT-VALUE})")
        List<String> queues = new ArrayList<>();

        @Option(names = "--slots", description = "Tasks run at once (default: 32)")
        Integer slots;

        @Option(
                names = "--drain",
                description = "How long a stopping worker lets running tasks finish before it hands"
                        + " them back, e.g. 30s, 5m (default: $SLUICE_DRAIN_TIMEOUT or 30s)")
        String drain;

        @Option(names = "--port", description = "Serve health, readiness and metrics on this port (default: none)")
        Integer port;

        @Option(names = "--bind", description = "Address for --port (default: $SLUICE_BIND or 127.0.0.1)")
        String bind;

        /** The engine this worker runs, from its options and environment; a bad value names the option. */
        EngineConfig engineConfig(Path home, Map<String, String> env) {
            checkPort(port, "--port");
            for (String q : queues) {
                if (!QUEUE.matcher(q).matches()) {
                    throw new IllegalArgumentException("--queues: \"" + q + "\" is not a queue name (1-100 letters,"
                            + " digits, '_', '.' or '-', starting with a letter or digit)");
                }
            }
            // The log cap and retention apply where tasks run: without them a worker kept the 64 MiB default.
            EngineConfig c = EngineConfig.defaults(home)
                    .withQueues(queues.stream().distinct().toList())
                    .withLogs(LogSettings.from(env));
            if (slots != null) {
                if (slots < 1 || slots > 1024)
                    throw new IllegalArgumentException("--slots must be 1 to 1024, got " + slots);
                c = c.withSlots(slots);
            }
            return c.withDrainTimeout(drainTimeout(env));
        }

        Duration drainTimeout(Map<String, String> env) {
            String text = drain != null ? drain : env.get("SLUICE_DRAIN_TIMEOUT");
            String where = drain != null ? "--drain" : "SLUICE_DRAIN_TIMEOUT";
            if (text == null || text.isBlank()) return EngineConfig.DEFAULT_DRAIN;
            try {
                return Durations.parse(text);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + ": " + e.getMessage());
            }
        }

        @Override
        public Integer call() throws Exception {
            SluiceConfig config = SluiceConfig.fromEnvironment();
            EngineConfig engine = engineConfig(config.home(), System.getenv());
            HttpSettings http = http(bind);
            SluiceApp app = SluiceApp.open(config, EnumSet.of(NodeRole.WORKER), null, engine)
                    .start();
            if (port != null) app.startProbes(http.bind(), port);
            announce(
                    app,
                    "Queues %s, %d slot%s, drains for %s on stop. %s"
                            .formatted(
                                    engine.queues(),
                                    engine.slots(),
                                    engine.slots() == 1 ? "" : "s",
                                    Durations.format(engine.drainTimeout()),
                                    probes(app, http, port)));
            return runUntilStopped(app);
        }
    }
}
