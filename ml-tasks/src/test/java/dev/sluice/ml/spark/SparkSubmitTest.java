package dev.sluice.ml.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The spark-submit command line, the cluster-mode kill, and the driver error read back from a log: pure functions. */
class SparkSubmitTest {
    private static SparkSubmit submit(String master, String mode, Map<String, String> conf) {
        return new SparkSubmit(
                "/opt/spark/bin/spark-submit",
                master,
                mode,
                "sluice:d.t:r1",
                null,
                conf,
                List.of("org.example:lib:1.0"),
                List.of("/dags/helpers.py"),
                "/dags/job.py",
                List.of("--day", "2026-01-01; rm -rf /"));
    }

    @Test
    void each_value_is_one_argument_and_conf_is_sorted() {
        assertThat(submit("local[*]", "client", Map.of("spark.sql.shuffle.partitions", "4"))
                        .argv())
                .containsExactly(
                        "/opt/spark/bin/spark-submit",
                        "--master",
                        "local[*]",
                        "--deploy-mode",
                        "client",
                        "--name",
                        "sluice:d.t:r1",
                        "--conf",
                        "spark.sql.shuffle.partitions=4",
                        "--conf",
                        "spark.ui.showConsoleProgress=false",
                        "--packages",
                        "org.example:lib:1.0",
                        "--py-files",
                        "/dags/helpers.py",
                        "/dags/job.py",
                        "--day",
                        "2026-01-01; rm -rf /");
    }

    @Test
    void cluster_mode_on_standalone_waits_for_the_application_unless_the_task_says_otherwise() {
        assertThat(submit("spark://m:7077", "cluster", Map.of()).argv())
                .contains("spark.standalone.submit.waitAppCompletion=true");
        assertThat(submit("spark://m:7077", "cluster", Map.of("spark.standalone.submit.waitAppCompletion", "false"))
                        .argv())
                .contains("spark.standalone.submit.waitAppCompletion=false")
                .doesNotContain("spark.standalone.submit.waitAppCompletion=true");
        assertThat(submit("spark://m:7077", "client", Map.of()).argv()).noneMatch(a -> a.contains("waitAppCompletion"));
    }

    @Test
    void the_kill_command_uses_the_submission_id_spark_submit_printed() {
        assertThat(submit("spark://m:6066", "cluster", Map.of())
                        .killCommand(List.of(
                                "INFO RestSubmissionClient: Submission successfully created as driver-20261207150000-0001.",
                                "  \"submissionId\" : \"driver-20261207150000-0003\",")))
                .contains(List.of(
                        "/opt/spark/bin/spark-submit",
                        "--master",
                        "spark://m:6066",
                        "--kill",
                        "driver-20261207150000-0003"));
        assertThat(submit("k8s://https://api:443", "cluster", Map.of())
                        .killCommand(List.of("\t pod name: etl-7f-driver", "\t namespace: jobs")))
                .contains(List.of(
                        "/opt/spark/bin/spark-submit",
                        "--master",
                        "k8s://https://api:443",
                        "--kill",
                        "jobs:etl-7f-driver"));
        assertThat(submit("yarn", "cluster", Map.of()).killCommand(List.of("Submitted application application_1_0001")))
                .isEmpty();
        assertThat(submit("spark://m:7077", "cluster", Map.of()).killCommand(List.of("starting...")))
                .isEmpty();
    }

    @ParameterizedTest
    @CsvSource({
        "local, true", "'local[*]', true", "'local[4]', true", "'local[2,3]', true", "spark://h:7077, true",
        "yarn, true", "k8s://https://h:443, true", "'local[0]', false", "mesos://h:5050, false", "'', false",
        "yarn-cluster, false"
    })
    void masters(String master, boolean valid) {
        assertThat(SparkSubmit.validMaster(master)).isEqualTo(valid);
    }

    @Test
    void the_driver_error_is_the_last_python_exception_not_spark_s_shutdown_logging() {
        List<String> log = List.of(
                "26/12/07 15:04:31 INFO SparkContext: Running Spark version 4.3.0",
                "Traceback (most recent call last):",
                "  File \"/dags/first.py\", line 2, in <module>",
                "KeyError: 'handled'",
                "",
                "During handling of the above exception, another exception occurred:",
                "",
                "Traceback (most recent call last):",
                "  File \"/dags/job.py\", line 9, in <module>",
                "    main()",
                "  File \"/dags/job.py\", line 5, in main",
                "    raise ValueError(\"no rows for 2026-01-01\")",
                "ValueError: no rows for 2026-01-01",
                "26/12/07 15:04:40 INFO SparkContext: Invoking stop() from shutdown hook",
                "26/12/07 15:04:41 INFO ShutdownHookManager: Deleting directory /tmp/spark-1");
        assertThat(DriverError.of(log))
                .isEqualTo("ValueError: no rows for 2026-01-01\n  at File \"/dags/job.py\", line 5, in main");
    }

    @Test
    void the_driver_error_of_a_jar_is_the_uncaught_exception_with_its_first_frames() {
        List<String> log = List.of(
                "26/12/07 15:04:31 INFO SparkContext: Running Spark version 4.3.0",
                "Exception in thread \"main\" java.lang.IllegalStateException: bad input",
                "\tat org.example.Job.main(Job.java:12)",
                "\tat java.base/jdk.internal.reflect.DirectMethodHandleAccessor.invoke(Unknown Source)",
                "26/12/07 15:04:41 INFO ShutdownHookManager: Shutdown hook called");
        assertThat(DriverError.of(log))
                .startsWith("Exception in thread \"main\" java.lang.IllegalStateException: bad input\n"
                        + "\tat org.example.Job.main(Job.java:12)");
        assertThat(DriverError.of(List.of("26/12/07 15:04:31 INFO nothing wrong")))
                .isNull();
    }
}
