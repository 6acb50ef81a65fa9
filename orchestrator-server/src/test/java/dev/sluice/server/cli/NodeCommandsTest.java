package dev.sluice.server.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.engine.EngineConfig;
import dev.sluice.server.NodeRole;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Parsing of the node commands, and what engine each role asks for; no node is started. */
class NodeCommandsTest {
    static final Path HOME = Path.of("/tmp/sluice-node-commands-test");

    @SuppressWarnings("unchecked")
    static <T> T parse(String... args) {
        var parsed = new CommandLine(new SluiceCli()).parseArgs(args);
        return (T) parsed.subcommand().commandSpec().userObject();
    }

    @Test
    void worker_takes_queues_slots_drain_and_port() {
        NodeCommands.Worker w =
                parse("worker", "--queues", "default,gpu", "--slots", "4", "--drain", "2m", "--port", "18090");
        EngineConfig c = w.engineConfig(HOME, Map.of());
        assertThat(c.queues()).containsExactly("default", "gpu");
        assertThat(c.slots()).isEqualTo(4);
        assertThat(c.drainTimeout()).isEqualTo(Duration.ofMinutes(2));
        assertThat(w.port).isEqualTo(18090);
    }

    @Test
    void worker_defaults_serve_the_default_queue_with_no_port_and_the_environment_sets_the_drain() {
        NodeCommands.Worker w = parse("worker");
        EngineConfig c = w.engineConfig(HOME, Map.of("SLUICE_DRAIN_TIMEOUT", "45s"));
        assertThat(c.queues()).containsExactly("default");
        assertThat(c.slots()).isEqualTo(EngineConfig.defaults(HOME).slots());
        assertThat(c.drainTimeout()).isEqualTo(Duration.ofSeconds(45));
        assertThat(w.port).isNull();
        assertThat(NodeCommands.Worker.class
                        .cast(parse("worker"))
                        .engineConfig(HOME, Map.of())
                        .drainTimeout())
                .isEqualTo(EngineConfig.DEFAULT_DRAIN);
        // The option wins over the environment.
        assertThat(NodeCommands.Worker.class
                        .cast(parse("worker", "--drain", "5s"))
                        .engineConfig(HOME, Map.of("SLUICE_DRAIN_TIMEOUT", "45s"))
                        .drainTimeout())
                .isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void a_worker_takes_the_log_cap_and_retention_from_its_environment() {
        // A split worker is where attempt logs are written: it once kept the 64 MiB default whatever was set.
        EngineConfig c = NodeCommands.Worker.class
                .cast(parse("worker"))
                .engineConfig(HOME, Map.of("SLUICE_LOG_MAX_BYTES", "8388608", "SLUICE_LOG_RETENTION", "7d"));
        assertThat(c.logs().maxBytes()).isEqualTo(8388608L);
        assertThat(c.logs().retention()).isEqualTo(Duration.ofDays(7));
        assertThat(NodeCommands.Worker.class
                        .cast(parse("worker"))
                        .engineConfig(HOME, Map.of())
                        .logs()
                        .maxBytes())
                .isEqualTo(dev.sluice.engine.LogSettings.DEFAULTS.maxBytes());
        assertThatThrownBy(() -> NodeCommands.Worker.class
                        .cast(parse("worker"))
                        .engineConfig(HOME, Map.of("SLUICE_LOG_MAX_BYTES", "lots")))
                .hasMessageContaining("SLUICE_LOG_MAX_BYTES")
                .hasMessageContaining("lots");
    }

    @Test
    void bad_worker_options_name_the_option_and_the_value() {
        assertThatThrownBy(() -> NodeCommands.Worker.class
                        .cast(parse("worker", "--queues", "default,gp u"))
                        .engineConfig(HOME, Map.of()))
                .hasMessageContaining("--queues")
                .hasMessageContaining("\"gp u\"");
        assertThatThrownBy(() -> NodeCommands.Worker.class
                        .cast(parse("worker", "--slots", "0"))
                        .engineConfig(HOME, Map.of()))
                .hasMessageContaining("--slots must be 1 to 1024, got 0");
        assertThatThrownBy(() -> NodeCommands.Worker.class
                        .cast(parse("worker", "--drain", "soon"))
                        .engineConfig(HOME, Map.of()))
                .hasMessageContaining("--drain")
                .hasMessageContaining("soon");
        assertThatThrownBy(() -> NodeCommands.Worker.class
                        .cast(parse("worker"))
                        .engineConfig(HOME, Map.of("SLUICE_DRAIN_TIMEOUT", "-1")))
                .hasMessageContaining("SLUICE_DRAIN_TIMEOUT");
        assertThatThrownBy(() -> NodeCommands.Worker.class
                        .cast(parse("worker", "--port", "70000"))
                        .engineConfig(HOME, Map.of()))
                .hasMessageContaining("--port must be 0 to 65535");
    }

    @Test
    void a_bad_option_fails_the_command_with_exit_2_and_a_message_not_a_stack_trace() {
        StringWriter err = new StringWriter();
        var cli = new CommandLine(new SluiceCli()).setErr(new PrintWriter(err));
        assertThat(cli.execute("worker", "--slots", "many")).isEqualTo(2);
        assertThat(err.toString()).contains("--slots").contains("many").doesNotContain("at dev.sluice");
        assertThat(SluiceCli.run("worker", "--queues", "bad queue")).isEqualTo(2);
    }

    @Test
    void scheduler_reads_the_dag_folder_and_server_has_a_port_and_bind() {
        NodeCommands.Scheduler s = parse("scheduler", "--dags", "some/dags", "--port", "18091");
        assertThat(s.folder()).isEqualTo(Path.of("some/dags").toAbsolutePath());
        assertThat(s.port).isEqualTo(18091);
        NodeCommands.Server server = parse("server");
        assertThat(server.port).isEqualTo(8080);
        assertThat(server.bind).isNull();
        NodeCommands.Server bound = parse("server", "--port", "18092", "--bind", "0.0.0.0");
        assertThat(bound.port).isEqualTo(18092);
        assertThat(bound.bind).isEqualTo("0.0.0.0");
    }

    @Test
    void only_the_scheduler_reads_dags_and_only_the_worker_runs_tasks() {
        var unknown = new CommandLine(new SluiceCli());
        unknown.setErr(new PrintWriter(new StringWriter()));
        assertThat(unknown.execute("server", "--dags", "x")).isEqualTo(2);
        assertThat(new CommandLine(new SluiceCli())
                        .setErr(new PrintWriter(new StringWriter()))
                        .execute("worker", "--dags", "x"))
                .isEqualTo(2);
    }

    @Test
    void each_role_gets_its_engine_and_its_name_in_the_worker_table() {
        EngineConfig base = EngineConfig.defaults(HOME).withQueues(List.of("gpu"));
        EngineConfig scheduler = NodeRole.engineFor(EnumSet.of(NodeRole.SCHEDULER), base);
        assertThat(scheduler.role()).isEqualTo("scheduler");
        assertThat(scheduler.runWorker()).isFalse();
        assertThat(scheduler.housekeeping()).isTrue();
        EngineConfig server = NodeRole.engineFor(EnumSet.of(NodeRole.SERVER), base);
        assertThat(server.role()).isEqualTo("server");
        assertThat(server.runWorker()).isFalse();
        assertThat(server.housekeeping()).isFalse();
        EngineConfig worker = NodeRole.engineFor(EnumSet.of(NodeRole.WORKER), base);
        assertThat(worker.role()).isEqualTo("worker");
        assertThat(worker.runWorker()).isTrue();
        assertThat(worker.housekeeping()).isFalse();
        assertThat(worker.queues()).containsExactly("gpu");
        EngineConfig all = NodeRole.engineFor(NodeRole.STANDALONE, base);
        assertThat(all.role()).isEqualTo("standalone");
        assertThat(all.runWorker() && all.housekeeping()).isTrue();
        assertThat(NodeRole.label(EnumSet.of(NodeRole.SERVER, NodeRole.SCHEDULER)))
                .isEqualTo("scheduler+server");
    }
}
