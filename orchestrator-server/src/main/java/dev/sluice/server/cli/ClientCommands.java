package dev.sluice.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.dag.ParamSpec;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Commands that talk to a running server over HTTP. Results go to stdout; errors to stderr with exit code 1. */
final class ClientCommands {
    private ClientCommands() {}

    static int report(Callable<Integer> body) {
        try {
            return body.call();
        } catch (ApiClient.ApiCallException e) {
            System.err.println("error: " + e.getMessage());
            return 1;
        } catch (Exception e) {
            System.err.println("error: " + e);
            return 1;
        }
    }

    static void printRuns(JsonNode items) {
        for (JsonNode r : items) {
            System.out.printf(
                    "%-40s %-10s %-9s %s%n",
                    r.path("run_id").asText(),
                    r.path("state").asText(),
                    r.path("run_type").asText(),
                    r.path("logical_date").asText());
        }
    }

    @Command(
            name = "trigger",
            mixinStandardHelpOptions = true,
            description = "Triggers a run of DAG_ID on a running server.")
    static final class Trigger implements Callable<Integer> {
        @Mixin
        ApiClient api;

        @Parameters(index = "0", paramLabel = "DAG_ID")
        String dagId;

        @Option(names = "--param", description = "run parameter k=v, typed by the DAG's declaration (repeatable)")
        Map<String, String> params = new LinkedHashMap<>();

        @Option(names = "--logical-date", description = "ISO-8601 time (default: now)")
        String logicalDate;

        @Override
        public Integer call() {
            return report(() -> {
                Map<String, Object> typed = new LinkedHashMap<>();
                if (!params.isEmpty()) {
                    // Typed as the DAG declares them, so "5" is an integer for an integer param and text for a string
                    // one.
                    JsonNode declared = api.get("/dags/" + ApiClient.enc(dagId)).path("params");
                    for (var p : params.entrySet()) {
                        ParamSpec.ParamType type = ParamSpec.ParamType.fromYaml(
                                declared.path(p.getKey()).path("type").asText());
                        typed.put(p.getKey(), type == null ? p.getValue() : type.parse(p.getValue()));
                    }
                }
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("params", typed);
                if (logicalDate != null) body.put("logical_date", logicalDate);
                JsonNode run = api.post("/dags/" + ApiClient.enc(dagId) + "/runs", body);
                System.out.println(run.path("run_id").asText());
                return 0;
            });
        }
    }

    @Command(
            name = "backfill",
            mixinStandardHelpOptions = true,
            description = "Creates the runs of DAG_ID's schedule between two dates (inclusive) on a running server.")
    static final class Backfill implements Callable<Integer> {
        @Mixin
        ApiClient api;

        @Parameters(index = "0", paramLabel = "DAG_ID")
        String dagId;

        @Option(names = "--from", required = true, description = "first date, e.g. 2026-01-01")
        LocalDate from;

        @Option(names = "--to", required = true, description = "last date, e.g. 2026-01-31")
        LocalDate to;

        @Option(names = "--max-active-runs", defaultValue = "1")
        int maxActiveRuns;

        @Option(names = "--rerun-existing", description = "clear and rerun runs that already exist")
        boolean rerunExisting;

        @Override
        public Integer call() {
            return report(() -> {
                JsonNode b = api.post(
                        "/dags/" + ApiClient.enc(dagId) + "/backfills",
                        Map.of(
                                "from",
                                from.toString(),
                                "to",
                                to.toString(),
                                "max_active_runs",
                                maxActiveRuns,
                                "rerun_existing",
                                rerunExisting));
                System.out.printf(
                        "backfill %d of %s: %d run(s) created so far (at most %d at a time), %s%n",
                        b.path("backfill_id").asLong(),
                        dagId,
                        b.path("runs_created").asInt(),
                        b.path("max_active_runs").asInt(),
                        b.path("state").asText());
                return 0;
            });
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists the DAGs of a running server.")
    static final class DagList implements Callable<Integer> {
        @Mixin
        ApiClient api;

        @Override
        public Integer call() {
            return report(() -> {
                String cursor = null;
                do {
                    JsonNode page = api.get("/dags?limit=500" + (cursor == null ? "" : "&cursor=" + cursor));
                    for (JsonNode d : page.path("items")) {
                        JsonNode last = d.path("recent_runs").path(0);
                        System.out.printf(
                                "%-30s %-8s %-20s %s%n",
                                d.path("dag_id").asText(),
                                d.path("is_paused").asBoolean() ? "paused" : "active",
                                d.path("schedule").isNull()
                                        ? "-"
                                        : d.path("schedule").asText(),
                                last.isMissingNode()
                                        ? "no runs"
                                        : "last run " + last.path("state").asText() + " "
                                                + last.path("logical_date").asText());
                    }
                    cursor = page.path("next_cursor").isTextual()
                            ? page.path("next_cursor").asText()
                            : null;
                } while (cursor != null);
                return 0;
            });
        }
    }

    @Command(
            name = "runs",
            mixinStandardHelpOptions = true,
            description = "Runs on a running server.",
            subcommands = RunList.class)
    static final class Runs {}

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists the runs of DAG_ID, newest first.")
    static final class RunList implements Callable<Integer> {
        @Mixin
        ApiClient api;

        @Parameters(index = "0", paramLabel = "DAG_ID")
        String dagId;

        @Option(names = "--state", description = "only runs in this state")
        String state;

        @Option(names = "--limit", defaultValue = "20")
        int limit;

        @Override
        public Integer call() {
            return report(() -> {
                JsonNode page = api.get("/runs?dag_id=" + ApiClient.enc(dagId) + "&limit=" + limit
                        + (state == null ? "" : "&state=" + ApiClient.enc(state)));
                printRuns(page.path("items"));
                return 0;
            });
        }
    }
}
