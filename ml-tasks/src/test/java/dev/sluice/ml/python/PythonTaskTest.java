package dev.sluice.ml.python;

import static dev.sluice.db.jooq.Tables.TASK_INSTANCE;
import static dev.sluice.ml.db.jooq.Tables.ARTIFACT;
import static dev.sluice.ml.db.jooq.Tables.ARTIFACT_LINEAGE;
import static dev.sluice.ml.db.jooq.Tables.ML_EXPERIMENT_RUN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.sluice.dag.Dag;
import dev.sluice.dag.DagValidationException;
import dev.sluice.dag.YamlDagParser;
import dev.sluice.engine.Engine;
import dev.sluice.ml.Json;
import dev.sluice.run.RunState;
import dev.sluice.testing.EngineHarness;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.jooq.JSONB;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The python task type in real DAG runs against real PostgreSQL and a real interpreter (the pinned test venv):
 * managed environments from a local wheel folder (the air-gapped path, no network), the SDK round trip with ml.*
 * tasks on both sides, the output path checks, and cancel.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PythonTaskTest {
    private EngineHarness h;
    private Engine engine;
    private Path wheels;
    private String python;

    @BeforeAll
    void start() throws Exception {
        python = venv().resolve("bin").resolve("python").toString();
        wheels = Files.createTempDirectory("sluice-wheels");
        tinyWheel(wheels);
        System.setProperty(PythonTask.PYTHON_SETTING, python);
        System.setProperty(PythonEnvironments.FIND_LINKS, wheels.toString());
        System.setProperty(PythonEnvironments.NO_INDEX, "true");
        h = new EngineHarness();
        engine = h.engine();
    }

    @AfterAll
    void stop() {
        h.close();
        System.clearProperty(PythonTask.PYTHON_SETTING);
        System.clearProperty(PythonEnvironments.FIND_LINKS);
        System.clearProperty(PythonEnvironments.NO_INDEX);
    }

    @Test
    void an_environment_is_built_once_from_the_local_wheel_folder_and_the_second_run_is_a_cache_hit() throws Exception {
        Files.writeString(h.home.resolve("greet.py"), """
                import sys, tinyhello, sluice
                sluice.output("greeting", tinyhello.greet() + " " + " ".join(sys.argv[1:]))
                """);
        save("""
                id: greet
                tasks:
                  - id: hello
                    type: python
                    config: {script: greet.py, args: [to, "{{ params.who }}"], requirements: ["tinyhello==1.0", "# a comment"]}
                params:
                  who: {type: string, default: world}
                """);
        long first = succeed("greet");
        assertThat(output(first, "hello")).containsEntry("greeting", "hello from tinyhello to world");
        String log = h.log(first, "hello");
        assertThat(log)
                .containsPattern("environment [0-9a-f]{16}: building for cpython 3\\.")
                .contains("tinyhello==1.0")
                .containsPattern("environment [0-9a-f]{16}: installed tinyhello==1.0 in [0-9.]+ s");

        long second = succeed("greet");
        assertThat(output(second, "hello")).containsEntry("greeting", "hello from tinyhello to world");
        assertThat(h.log(second, "hello"))
                .containsPattern("environment [0-9a-f]{16}: cache hit")
                .doesNotContain("installed")
                .doesNotContain("Processing");
        try (var venvs = Files.list(h.home.resolve("venvs"))) {
            assertThat(venvs.filter(Files::isDirectory)
                            .filter(d -> Files.exists(d.resolve(PythonEnvironments.MARKER)))
                            .map(d -> d.getFileName().toString())
                            .toList())
                    .anyMatch(n -> log.contains("environment " + n + ": installed"));
        }
    }

    @Test
    void two_tasks_with_the_same_requirements_starting_together_build_one_environment() throws Exception {
        Files.writeString(h.home.resolve("both.py"), "import tinyhello\nprint(tinyhello.greet())\n");
        save("""
                id: together
                tasks:
                  - {id: a, type: python, config: {script: both.py, requirements: ["tinyhello>=1.0"]}}
                  - {id: b, type: python, config: {script: both.py, requirements: ["tinyhello >= 1.0"]}}
                  - {id: c, type: python, config: {script: both.py, requirements: ["tinyhello>=1.0"]}}
                """);
        long run = succeed("together");
        List<String> logs = List.of(h.log(run, "a"), h.log(run, "b"), h.log(run, "c"));
        assertThat(logs).allSatisfy(l -> assertThat(l).contains("hello from tinyhello"));
        assertThat(logs.stream()
                        .filter(l -> l.contains(": installed tinyhello"))
                        .count())
                .isEqualTo(1);
        assertThat(logs.stream().filter(l -> l.contains(": cache hit")).count()).isEqualTo(2);
    }

    @Test
    void a_requirement_missing_from_the_wheel_folder_fails_the_task_with_pip_s_error_in_the_log() throws Exception {
        Files.writeString(h.home.resolve("never.py"), "print('never runs')\n");
        Files.writeString(
                h.home.resolve("requirements-missing.txt"),
                "tinyhello==1.0\nnosuchpackage-sluice==9.9  # not in the folder\n");
        save("""
                id: missing
                tasks:
                  - {id: t, type: python, config: {script: never.py, requirements: requirements-missing.txt}}
                """);
        long run = h.trigger(engine, "missing", Map.of());
        assertThat(h.awaitRun(run, Duration.ofSeconds(120))).isEqualTo(RunState.FAILED);
        assertThat(h.error(run, "t"))
                .contains("pip install failed")
                .contains("nosuchpackage-sluice==9.9")
                .contains("attempt log");
        assertThat(h.log(run, "t"))
                .contains("ERROR")
                .contains("nosuchpackage-sluice")
                .doesNotContain("never runs");
    }

    @Test
    void a_missing_interpreter_is_a_readable_failure() throws Exception {
        Files.writeString(h.home.resolve("noop.py"), "pass\n");
        save("""
                id: nopython
                tasks:
                  - {id: t, type: python, config: {script: noop.py, python: python-that-does-not-exist}}
                """);
        long run = h.trigger(engine, "nopython", Map.of());
        assertThat(h.awaitRun(run, Duration.ofSeconds(60))).isEqualTo(RunState.FAILED);
        assertThat(h.error(run, "t")).contains("python interpreter 'python-that-does-not-exist' was not found");
    }

    @Test
    void the_sdk_round_trip_ml_split_to_python_to_ml_validate_data_with_params_and_metrics_tracked() throws Exception {
        StringBuilder csv = new StringBuilder("x,c,y\n");
        for (int i = 0; i < 200; i++)
            csv.append(i)
                    .append(',')
                    .append(i % 3 == 0 ? "a" : "b")
                    .append(',')
                    .append(i % 2)
                    .append('\n');
        Files.writeString(h.home.resolve("rows.csv"), csv);
        Files.writeString(h.home.resolve("score.py"), """
                import sluice
                df = sluice.read_dataset(sluice.upstream("split", "train"))
                df["x2"] = df["x"] * sluice.params["factor"]
                sluice.log_params({"factor": sluice.params["factor"], "source": "split"})
                for epoch in range(3):
                    sluice.log_metrics({"loss": 1.0 / (epoch + 1)}, step=epoch)
                sluice.log_metrics({"rows": len(df)})
                sluice.write_dataset(df, "scored")
                with open("/tmp/sluice-report-%s.txt" % sluice.context["run_id"].replace(":", "_"), "w") as f:
                    f.write("rows: %d" % len(df))
                    name = f.name
                sluice.log_artifact(name, "report")
                sluice.output("seen", len(df))
                print("scored", len(df), "rows")
                """);
        save("""
                id: roundtrip
                params:
                  factor: {type: integer, default: 3}
                tasks:
                  - {id: ingest, type: ml.ingest, config: {path: rows.csv}}
                  - {id: split, type: ml.split, depends_on: [ingest], config: {validation_ratio: 0, seed: 7}}
                  - id: py
                    type: python
                    depends_on: [split]
                    config: {script: score.py, python: "%s"}
                  - id: check
                    type: ml.validate_data
                    depends_on: [py]
                    config: {dataset: "{{ tasks.py.output.scored }}", columns: {x2: number, c: string}, min_rows: 10}
                """.formatted(python));
        long run = succeed("roundtrip");
        Map<String, Object> split = output(run, "split");
        Map<String, Object> py = output(run, "py");
        assertThat(py.get("scored")).asString().matches("sha256:[0-9a-f]{64}");
        assertThat(py)
                .containsEntry("seen", split.get("train_rows"))
                .containsEntry("scored_rows", split.get("train_rows"));
        assertThat(py.get("report")).asString().startsWith("sha256:");
        assertThat(output(run, "check"))
                .containsEntry("dataset", py.get("scored"))
                .containsEntry("rows", split.get("train_rows"))
                .containsEntry("passed", true);
        assertThat(h.log(run, "py"))
                .contains("scored " + split.get("train_rows") + " rows")
                .contains("output scored: dataset sha256:");

        // Lineage: the python attempt read the split's train set and wrote a dataset ml.validate then read.
        var produced = h.db.dsl()
                .select(ARTIFACT_LINEAGE.ROLE, ARTIFACT.KIND, ARTIFACT.ROWS)
                .from(ARTIFACT_LINEAGE)
                .join(ARTIFACT)
                .on(ARTIFACT.ID.eq(ARTIFACT_LINEAGE.ARTIFACT_ID))
                .where(
                        ARTIFACT_LINEAGE.RUN_ID.eq(run),
                        ARTIFACT_LINEAGE.TASK_ID.eq("py"),
                        ARTIFACT_LINEAGE.DIRECTION.eq("produced"))
                .orderBy(ARTIFACT_LINEAGE.ROLE)
                .fetch()
                .map(r -> r.value1() + " " + r.value2() + " " + r.value3());
        assertThat(produced).containsExactly("report report null", "scored dataset " + split.get("train_rows"));
        assertThat(h.db.dsl()
                        .fetchCount(
                                ARTIFACT_LINEAGE,
                                ARTIFACT_LINEAGE.RUN_ID.eq(run),
                                ARTIFACT_LINEAGE.TASK_ID.eq("py"),
                                ARTIFACT_LINEAGE.DIRECTION.eq("consumed"),
                                ARTIFACT_LINEAGE.ROLE.eq("train")))
                .isEqualTo(1);

        // Params and metrics as an experiment next to ml.train's, the per-step values kept.
        var exp = h.db.dsl()
                .select(ML_EXPERIMENT_RUN.STAGE, ML_EXPERIMENT_RUN.PARAMS, ML_EXPERIMENT_RUN.METRICS)
                .from(ML_EXPERIMENT_RUN)
                .where(ML_EXPERIMENT_RUN.RUN_ID.eq(run), ML_EXPERIMENT_RUN.TASK_ID.eq("py"))
                .fetchOne();
        assertThat(exp.value1()).isEqualTo("python");
        assertThat(Json.readMap(exp.value2().data())).containsEntry("factor", 3).containsEntry("source", "split");
        Map<String, Object> metrics = Json.readMap(exp.value3().data());
        assertThat(metrics)
                .containsEntry("loss", 1.0 / 3)
                .containsEntry("rows", ((Number) split.get("train_rows")).doubleValue());
        assertThat(metrics.get("history"))
                .isEqualTo(Map.of(
                        "loss",
                        List.of(
                                Map.of("step", 0, "value", 1.0),
                                Map.of("step", 1, "value", 0.5),
                                Map.of("step", 2, "value", 1.0 / 3))));
    }

    @Test
    void a_function_of_a_module_gets_keyword_args_and_its_returned_dict_is_the_output() throws Exception {
        Path pkg = h.home.resolve("mypipeline");
        Files.createDirectories(pkg);
        Files.writeString(pkg.resolve("__init__.py"), "");
        Files.writeString(pkg.resolve("steps.py"), """
                import sluice
                def add(a, b, scale=1):
                    return {"sum": (a + b) * scale, "task": sluice.context["task_id"]}
                """);
        save("""
                id: fn
                tasks:
                  - {id: add, type: python, config: {module: mypipeline.steps, function: add, args: {a: 2, b: 5, scale: 10}}}
                """);
        long run = succeed("fn");
        assertThat(output(run, "add")).containsEntry("sum", 70).containsEntry("task", "add");
    }

    @Test
    void a_python_branch_task_chooses_through_the_sdk_output_next() throws Exception {
        Files.writeString(h.home.resolve("choose.py"), """
                import sluice
                sluice.output("next", ["evaluate", "report"])
                """);
        save("""
                id: pybranch
                tasks:
                  - {id: pick, type: python, branch: true, config: {script: choose.py}}
                  - {id: evaluate, type: noop, depends_on: [pick]}
                  - {id: report, type: noop, depends_on: [pick]}
                  - {id: retrain, type: noop, depends_on: [pick]}
                """);
        long run = succeed("pybranch");
        assertThat(h.taskStates(run))
                .containsEntry("evaluate", dev.sluice.run.TaskState.SUCCESS)
                .containsEntry("report", dev.sluice.run.TaskState.SUCCESS)
                .containsEntry("retrain", dev.sluice.run.TaskState.SKIPPED);
        assertThat(output(run, "pick")).containsEntry("next", List.of("evaluate", "report"));
    }

    @Test
    void a_saved_model_that_is_no_onnx_or_disagrees_with_its_input_schema_fails_the_task_naming_why() throws Exception {
        Files.writeString(h.home.resolve("model.py"), """
                import sys, tempfile, os
                import numpy as np
                import sluice
                from skl2onnx import to_onnx
                from sklearn.linear_model import LogisticRegression
                path = os.path.join(tempfile.mkdtemp(), "model.onnx")
                if sys.argv[1] == "garbage":
                    with open(path, "wb") as f:
                        f.write(b"not really onnx")
                    schema = {"age": "double"}
                else:
                    x = np.array([[20.0], [30.0], [40.0], [50.0]], dtype=np.float32)
                    model = LogisticRegression().fit(x, ["no", "no", "yes", "yes"])
                    with open(path, "wb") as f:  # one float input named "X": a matrix of the schema's columns
                        f.write(to_onnx(model, x[:1], options={"zipmap": False}).SerializeToString())
                    schema = {"age": "double", "job": "string"} if sys.argv[1] == "text" else {"age": "double"}
                sluice.save_model(path, input_schema=schema, problem="binary", classes=["no", "yes"],
                                  framework="sklearn", label="y")
                """);
        save("""
                id: model
                defaults: {retries: 0}
                params:
                  what: {type: string, default: garbage}
                tasks:
                  - {id: fit, type: python, config: {script: model.py, args: ["{{ params.what }}"]}}
                """);
        long garbage = h.trigger(engine, "model", Map.of("what", "garbage"));
        assertThat(h.awaitRun(garbage, Duration.ofSeconds(120))).isEqualTo(RunState.FAILED);
        assertThat(h.error(garbage, "fit")).contains("output bundle").contains("not a model ONNX Runtime can load");

        long text = h.trigger(engine, "model", Map.of("what", "text"));
        assertThat(h.awaitRun(text, Duration.ofSeconds(120))).isEqualTo(RunState.FAILED);
        assertThat(h.error(text, "fit"))
                .contains("output bundle")
                .contains("input_schema column 'job' is a string")
                .contains("matrix input 'X' takes numbers only");

        long ok = h.trigger(engine, "model", Map.of("what", "ok"));
        assertThat(h.awaitRun(ok, Duration.ofSeconds(120)))
                .as(() -> h.taskStates(ok).toString())
                .isEqualTo(RunState.SUCCESS);
        Map<String, Object> out = output(ok, "fit");
        assertThat(out.get("bundle")).asString().matches("sha256:[0-9a-f]{64}");
        assertThat(out.get("bundle_onnx")).asString().matches("sha256:[0-9a-f]{64}");
        assertThat(out.get("bundle_model"))
                .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
                .containsEntry("format", "onnx")
                .containsEntry("classes", List.of("no", "yes"))
                .containsEntry("media_type", "application/onnx");
        Map<String, String> kinds = new LinkedHashMap<>();
        for (String k : List.of("bundle", "bundle_onnx")) {
            kinds.put(
                    k,
                    h.db.dsl()
                            .fetchValue(h.db.dsl()
                                    .select(ARTIFACT.KIND)
                                    .from(ARTIFACT)
                                    .where(ARTIFACT.HASH.eq(((String) out.get(k)).substring("sha256:".length())))));
        }
        assertThat(kinds).containsEntry("bundle", "bundle").containsEntry("bundle_onnx", "model");
        var store = dev.sluice.ml.artifact.LocalArtifactStore.inHome(h.home);
        try (var m = dev.sluice.ml.model.LoadedModel.load(store, (String) out.get("bundle"))) {
            double[] p = m.score(List.of(Map.of("age", 22.0), Map.of("age", 48.0)));
            assertThat(p[0]).isLessThan(0.5);
            assertThat(p[1]).isGreaterThan(0.5);
        }
    }

    @Test
    void output_paths_outside_the_result_folder_are_refused() throws Exception {
        Files.writeString(h.home.resolve("escape.py"), """
                import json, os, sys
                res = os.path.join(os.environ["SLUICE_ATTEMPT_DIR"], "result")
                kind = sys.argv[1]
                if kind == "dotdot":
                    path = "../context.json"
                else:
                    os.symlink("/etc/hostname", os.path.join(res, "files", "link"))
                    path = "files/link"
                with open(os.path.join(res, "outputs.json"), "w") as f:
                    json.dump({"stolen": {"$artifact": {"path": path, "kind": "file"}}}, f)
                """);
        save("""
                id: escape
                params:
                  how: {type: string, default: dotdot}
                tasks:
                  - {id: t, type: python, config: {script: escape.py, args: ["{{ params.how }}"]}}
                """);
        long dotdot = h.trigger(engine, "escape", Map.of("how", "dotdot"));
        assertThat(h.awaitRun(dotdot, Duration.ofSeconds(60))).isEqualTo(RunState.FAILED);
        assertThat(h.error(dotdot, "t")).contains("stolen").contains("outside the attempt's result folder");
        long link = h.trigger(engine, "escape", Map.of("how", "link"));
        assertThat(h.awaitRun(link, Duration.ofSeconds(60))).isEqualTo(RunState.FAILED);
        assertThat(h.error(link, "t")).contains("stolen").contains("is a link");
    }

    @Test
    void cancel_kills_the_python_process() throws Exception {
        Path pidFile = h.home.resolve("sleeper.pid");
        Files.writeString(h.home.resolve("sleeper.py"), """
                import os, time
                with open(%s + ".tmp", "w") as f:
                    f.write(str(os.getpid()))
                os.replace(%s + ".tmp", %s)
                time.sleep(600)
                """.formatted(quote(pidFile), quote(pidFile), quote(pidFile)));
        save("""
                id: sleeper
                tasks:
                  - {id: t, type: python, config: {script: sleeper.py}}
                """);
        long run = h.trigger(engine, "sleeper", Map.of());
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(pidFile));
        long pid = Long.parseLong(Files.readString(pidFile).trim());
        assertThat(ProcessHandle.of(pid))
                .hasValueSatisfying(p -> assertThat(p.isAlive()).isTrue());
        engine.control().cancel(run);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true));
        assertThat(h.awaitRun(run, Duration.ofSeconds(30))).isEqualTo(RunState.CANCELLED);
    }

    @Test
    void a_dag_file_with_a_bad_python_config_is_refused_with_its_line() {
        String yaml = """
                id: bad
                tasks:
                  - id: t
                    type: python
                    config:
                      script: ../outside.py
                      module: also.this
                """;
        assertThatThrownBy(() -> new YamlDagParser(h.types).parse(yaml, "bad.yaml"))
                .isInstanceOf(DagValidationException.class)
                .hasMessageContaining("bad.yaml:")
                .hasMessageContaining("set either script or module")
                .hasMessageContaining("script: '../outside.py' must be a path relative");
    }

    private void save(String yaml) throws Exception {
        Dag dag = new YamlDagParser(h.types).parse(yaml, "test.yaml");
        engine.dags().save(dag, h.home.resolve(dag.id() + ".yaml").toString(), yaml);
    }

    private long succeed(String dagId) throws InterruptedException {
        long run = h.trigger(engine, dagId, Map.of());
        RunState s = h.awaitRun(run, Duration.ofSeconds(180));
        assertThat(s)
                .as(() -> {
                    StringBuilder b = new StringBuilder("run " + dagId + ": " + h.taskStates(run));
                    h.taskStates(run).keySet().forEach(t -> {
                        try {
                            b.append("\n--- ")
                                    .append(t)
                                    .append(": ")
                                    .append(h.error(run, t))
                                    .append('\n')
                                    .append(h.log(run, t));
                        } catch (IOException e) {
                            b.append(e);
                        }
                    });
                    return b.toString();
                })
                .isEqualTo(RunState.SUCCESS);
        return run;
    }

    private Map<String, Object> output(long runKey, String task) {
        JSONB out = h.db.dsl()
                .select(TASK_INSTANCE.OUTPUT)
                .from(TASK_INSTANCE)
                .where(TASK_INSTANCE.RUN_ID.eq(runKey), TASK_INSTANCE.TASK_ID.eq(task))
                .fetchOne()
                .value1();
        return Json.readMap(out.data());
    }

    private static String quote(Path p) {
        return "'" + p.toString().replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    /** A tiny pure-Python wheel, zipped by hand: no build backend, no network. */
    static void tinyWheel(Path dir) throws Exception {
        Map<String, String> files = new LinkedHashMap<>();
        files.put("tinyhello/__init__.py", "def greet():\n    return 'hello from tinyhello'\n");
        files.put("tinyhello-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: tinyhello\nVersion: 1.0\n");
        files.put(
                "tinyhello-1.0.dist-info/WHEEL",
                "Wheel-Version: 1.0\nGenerator: sluice-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n");
        StringBuilder record = new StringBuilder();
        for (Map.Entry<String, String> f : files.entrySet()) {
            byte[] b = f.getValue().getBytes(StandardCharsets.UTF_8);
            String hash = Base64.getUrlEncoder()
                    .withoutPadding()
                    .encodeToString(MessageDigest.getInstance("SHA-256").digest(b));
            record.append(f.getKey())
                    .append(",sha256=")
                    .append(hash)
                    .append(',')
                    .append(b.length)
                    .append('\n');
        }
        record.append("tinyhello-1.0.dist-info/RECORD,,\n");
        files.put("tinyhello-1.0.dist-info/RECORD", record.toString());
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (Map.Entry<String, String> f : files.entrySet()) {
                zip.putNextEntry(new ZipEntry(f.getKey()));
                zip.write(f.getValue().getBytes(StandardCharsets.UTF_8));
                zip.closeEntry();
            }
        }
        Files.write(dir.resolve("tinyhello-1.0-py3-none-any.whl"), bytes.toByteArray());
    }

    /** The pinned test venv: SLUICE_TEST_VENV, else made now by scripts/python-env. */
    static Path venv() throws IOException, InterruptedException {
        String env = System.getenv("SLUICE_TEST_VENV");
        if (env != null && !env.isBlank()) return Path.of(env);
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isExecutable(dir.resolve("scripts/python-env"))) dir = dir.getParent();
        if (dir == null)
            throw new IllegalStateException("SLUICE_TEST_VENV is not set and scripts/python-env was not found");
        Process p = new ProcessBuilder(dir.resolve("scripts/python-env").toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (p.waitFor() != 0) throw new IllegalStateException("scripts/python-env failed (exit " + p.exitValue() + ")");
        return Path.of(out);
    }
}
