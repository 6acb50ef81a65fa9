package dev.sluice.server.cli;

import dev.sluice.config.SluiceConfig;
import dev.sluice.dag.DagError;
import dev.sluice.dag.DagFolder;
import dev.sluice.engine.RunParams;
import dev.sluice.run.RunState;
import dev.sluice.server.SluiceApp;
import dev.sluice.store.Json;
import dev.sluice.task.TaskTypeRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "dags",
        mixinStandardHelpOptions = true,
        description = "Check and try out DAG files; list the DAGs of a running server.",
        subcommands = {DagsCommand.Validate.class, DagsCommand.Test.class, ClientCommands.DagList.class})
final class DagsCommand {

    @Command(
            name = "validate",
            mixinStandardHelpOptions = true,
            description =
                    "Checks every DAG file in DIR. Exit 0 when all are valid; else prints file:line: message and exits 1.")
    static final class Validate implements Callable<Integer> {
        @Parameters(index = "0", description = "DAG folder")
        Path dir;

        @Override
        public Integer call() {
            if (!Files.isDirectory(dir)) {
                System.err.println("error: " + dir + " is not a directory");
                return 2;
            }
            var limits = SluiceConfig.fromEnvironment().dagFileLimits();
            var result = new DagFolder(dir, TaskTypeRegistry.discover(), limits).load();
            for (List<DagError> errors : result.importErrors().values()) {
                for (DagError e : errors) System.out.println(e);
            }
            System.err.printf(
                    "%d valid DAG(s), %d file(s) with errors%n",
                    result.dags().size(), result.importErrors().size());
            return result.importErrors().isEmpty() ? 0 : 1;
        }
    }

    @Command(
            name = "test",
            mixinStandardHelpOptions = true,
            description = "Runs one run of DAG_ID to completion in this process against the configured database. "
                    + "Exit 0 when it succeeded, 1 when it failed, 2 for bad input.")
    static final class Test implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "DAG_ID")
        String dagId;

        @Option(names = "--dags", description = "DAG folder (default: the repository's examples)")
        Path dags;

        @Option(names = "--param", description = "run parameter k=v (repeatable)")
        Map<String, String> params = new LinkedHashMap<>();

        @Option(names = "--json", description = "print the summary as JSON")
        boolean json;

        @Option(
                names = "--slots",
                description =
                        "tasks run at once (default: the DAG's max_active_tasks, at most " + DEFAULT_MAX_SLOTS + ")")
        Integer slots;

        /**
         * The most tasks `dags test` runs at once unless told otherwise: the DAG cannot run more than its
         * max_active_tasks anyway (64 by default), and a test on a laptop should not start hundreds of processes.
         */
        static final int DEFAULT_MAX_SLOTS = 64;

        /**
         * This process serves the tested run alone, so its worker is sized to what the DAG may run at once rather
         * than a server's 32: a wide DAG's tasks then finish in half the claim and record rounds (BENCHMARKS.md §1,
         * through the CLI). Equal to max_active_tasks, the DAG's limit never binds on the worker's capacity, so
         * claims keep their plain form.
         */
        static int slotsFor(int maxActiveTasks, Integer asked) {
            if (asked != null) return asked;
            return Math.max(1, Math.min(maxActiveTasks, DEFAULT_MAX_SLOTS));
        }

        @Override
        public Integer call() throws Exception {
            if (slots != null && (slots < 1 || slots > 1024)) {
                System.err.println("error: --slots must be 1 to 1024, got " + slots);
                return 2;
            }
            SluiceConfig config = SluiceConfig.fromEnvironment();
            Path folder = dags != null ? dags.toAbsolutePath() : SluiceCli.defaultDags();
            if (!Files.isDirectory(folder)) {
                System.err.println("error: " + folder + " is not a directory");
                return 2;
            }
            var loaded = new DagFolder(folder, TaskTypeRegistry.discover(), config.dagFileLimits()).load();
            var dag = loaded.dags().get(dagId);
            if (dag == null) {
                loaded.importErrors().values().forEach(errs -> errs.forEach(e -> System.err.println(e)));
                System.err.println("error: no valid DAG \"" + dagId + "\" in " + folder
                        + (loaded.dags().isEmpty()
                                ? ""
                                : " (found: " + loaded.dags().keySet() + ")"));
                return 2;
            }
            Map<String, Object> typed = new LinkedHashMap<>();
            for (var p : params.entrySet()) {
                var spec = dag.dag().params().get(p.getKey());
                if (spec == null) {
                    System.err.println("error: param '" + p.getKey() + "' is not declared by DAG " + dagId);
                    return 2;
                }
                try {
                    typed.put(p.getKey(), spec.type().parse(p.getValue()));
                } catch (IllegalArgumentException e) {
                    System.err.println("error: param '" + p.getKey() + "': " + e.getMessage());
                    return 2;
                }
            }
            try {
                RunParams.resolve(dag.dag(), typed);
            } catch (RunParams.InvalidParamException e) {
                System.err.println("error: " + e.getMessage());
                return 2;
            }
            // Its tasks go to a queue only this process serves: on a database shared with servers, their workers
            // must not take them (they may not even have the tested file).
            String queue = PRIVATE_QUEUE_PREFIX + java.util.UUID.randomUUID();
            var engineConfig = dev.sluice.engine.EngineConfig.defaults(config.home())
                    .withQueues(java.util.List.of(queue))
                    .withSlots(slotsFor(dag.dag().maxActiveTasks(), slots))
                    .withLogs(dev.sluice.engine.LogSettings.fromEnvironment());
            try (SluiceApp app = SluiceApp.open(config, folder, engineConfig)) {
                // The run's end wakes the wait at once (the engine tells after its commit); the state is also
                // looked at four times a second, for an end this process does not record (a cancel from a server).
                var ended = new java.util.concurrent.LinkedBlockingQueue<Long>();
                app.engine.onEvents(new dev.sluice.engine.RunEvents() {
                    @Override
                    public void runFinished(RunFinished event) {
                        ended.add(event.runKey());
                    }
                });
                long runKey = startRun(app, dag, typed, queue);
                RunState state;
                Map<String, Integer> shownChecks = new java.util.HashMap<>();
                boolean saidQueued = false;
                while (!(state = app.engine.runs().runState(runKey)).isTerminal()) {
                    // Queued behind the DAG's other runs (max_active_runs): say so rather than wait in silence.
                    if (state == RunState.QUEUED && !saidQueued) {
                        saidQueued = true;
                        System.err.println(
                                "waiting: DAG " + dagId + " allows " + dag.dag().maxActiveRuns()
                                        + " active run(s) at a time and others are running; this run starts when one ends");
                    }
                    // A sensor in reschedule mode may wait long between checks: say so once per check (text only,
                    // --json prints one document).
                    if (!json) showRescheduled(app.engine.runs().summary(runKey), shownChecks);
                    ended.poll(250, java.util.concurrent.TimeUnit.MILLISECONDS);
                }
                var summary = app.engine.runs().summary(runKey);
                if (json) {
                    Map<String, Object> tasks = new LinkedHashMap<>();
                    summary.tasks().forEach(t -> {
                        Map<String, Object> task = new LinkedHashMap<>();
                        task.put("state", t.state().dbName());
                        task.put("attempts", t.attempts());
                        if (t.rescheduled() > 0) task.put("rescheduled", t.rescheduled());
                        // A mapped task is one entry: its aggregate state, its instances' attempts summed.
                        if (t.mapped()) task.put("map_count", t.mapCount());
                        tasks.put(t.taskId(), task);
                    });
                    Map<String, Object> out = new LinkedHashMap<>();
                    out.put("run_id", summary.runId());
                    out.put("state", state.dbName());
                    out.put("tasks", tasks);
                    System.out.println(Json.write(out));
                } else {
                    System.out.printf("run %s: %s%n", summary.runId(), state.dbName());
                    summary.tasks()
                            .forEach(t -> System.out.printf(
                                    "  %-30s %-17s attempts=%d%s%s%s%n",
                                    t.taskId(),
                                    t.state().dbName(),
                                    t.attempts(),
                                    t.rescheduled() == 0 ? "" : " (" + t.rescheduled() + " rescheduled)",
                                    t.mapped() ? " instances=" + t.mapCount() : "",
                                    t.error() == null ? "" : "  " + firstLine(t.error())));
                }
                return state == RunState.SUCCESS ? 0 : 1;
            }
        }

        /**
         * Stores the tested file's version and runs it, touching nothing else: the folder is not synced, so on a
         * database shared with servers no other DAG is stored, deactivated or unscheduled, and the tested DAG keeps
         * the latest version, schedule and owner its own folder gave it.
         */
        /** Queue names users may write start with a letter or digit, so these can never collide with one. */
        static final String PRIVATE_QUEUE_PREFIX = dev.sluice.dag.TaskDef.PRIVATE_QUEUE_PREFIX;

        static long startRun(SluiceApp app, DagFolder.LoadedDag dag, Map<String, Object> params) throws Exception {
            return startRun(app, dag, params, null);
        }

        static long startRun(SluiceApp app, DagFolder.LoadedDag dag, Map<String, Object> params, String queue)
                throws Exception {
            String dagId = dag.dag().id();
            long versionId = app.engine
                    .dags()
                    .saveVersionOnly(dag.dag(), dag.file().toString(), dag.source(), bundle(app, dag))
                    .versionId();
            app.engine.useDagFile(dagId, dag.file());
            app.engine.start();
            Instant date = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            return app.engine.runs().createRun(dagId, versionId, "test", date, date, date, params, "cli", queue);
        }

        /**
         * The tested version carries its files like a synced one (same files, same version as the server's), so a
         * retry on another node runs them; this process itself runs the local folder ({@code useDagFile}).
         */
        private static dev.sluice.dag.DagBundle bundle(SluiceApp app, DagFolder.LoadedDag dag) throws Exception {
            Path folder = app.dagSync.folder();
            var loaded = new DagFolder(folder, app.types, app.config.dagFileLimits()).load();
            java.util.Set<Path> dagFiles =
                    new java.util.HashSet<>(loaded.importErrors().keySet());
            loaded.dags().values().forEach(d -> dagFiles.add(d.file()));
            dagFiles.add(dag.file());
            var collected = new dev.sluice.dag.DagBundleFiles(
                            folder, dev.sluice.engine.DagBundles.maxBytesFromEnvironment())
                    .collect(dag.file(), dagFiles);
            new dev.sluice.engine.DagBundles(app.store).upload(collected);
            return collected.bundle();
        }

        /**
         * Prints a line for each sensor check that ended rescheduled since the last look: the task, the state it
         * went to and what the check saw (still its note while the next check runs, so no check goes unsaid).
         */
        private static void showRescheduled(
                dev.sluice.engine.RunCoordinator.RunSummary summary, Map<String, Integer> shown) {
            for (var t : summary.tasks()) {
                int before = shown.getOrDefault(t.taskId(), 0);
                if (t.rescheduled() <= before) continue;
                shown.put(t.taskId(), t.rescheduled());
                if (t.error() == null || !t.error().startsWith("rescheduled:")) continue;
                System.out.printf(
                        "  %-30s %-17s %s%n",
                        t.taskId(), dev.sluice.run.TaskState.UP_FOR_RESCHEDULE.dbName(), firstLine(t.error()));
            }
        }

        private static String firstLine(String s) {
            int i = s.indexOf('\n');
            return i < 0 ? s : s.substring(0, i);
        }
    }
}
