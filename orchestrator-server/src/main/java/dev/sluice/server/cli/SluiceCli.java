package dev.sluice.server.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code sluice} command. Logs go to stderr; results a script may parse go to stdout. */
@Command(
        name = "sluice",
        mixinStandardHelpOptions = true,
        version = "sluice 0.1.0",
        description = "Workflow orchestrator for machine-learning pipelines.",
        subcommands = {
            StandaloneCommand.class,
            NodeCommands.Scheduler.class,
            NodeCommands.Server.class,
            NodeCommands.Worker.class,
            DagsCommand.class,
            ClientCommands.Trigger.class,
            ClientCommands.Backfill.class,
            ClientCommands.Runs.class,
            StoreCommand.class
        })
public final class SluiceCli {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String... args) {
        return new CommandLine(new SluiceCli())
                .setExecutionExceptionHandler((ex, cmd, parsed) -> {
                    cmd.getErr().println("error: " + ex.getMessage());
                    return 2;
                })
                .execute(args);
    }

    /** Where the example DAGs are: set by the ./sluice launcher, else ./examples/dags. */
    static java.nio.file.Path defaultDags() {
        String env = System.getenv("SLUICE_DEFAULT_DAGS");
        return java.nio.file.Path.of(env != null ? env : "examples/dags").toAbsolutePath();
    }
}
