package dev.sluice.ml.spark;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One spark-submit command line, built from the task's config (no shell in between: each value is one argument),
 * and, for cluster mode, the command that kills the submitted application.
 */
record SparkSubmit(
        String sparkSubmit,
        String master,
        String deployMode,
        String name,
        String mainClass,
        Map<String, String> conf,
        List<String> packages,
        List<String> pyFiles,
        String application,
        List<String> args) {
    static final String DEFAULT_MASTER = "local[*]";
    private static final Pattern MASTER =
            Pattern.compile("local(\\[(\\*|[1-9][0-9]*)(,\\s*[0-9]+)?])?|spark://\\S+|yarn|k8s://\\S+");
    /** Standalone (REST or legacy client) and the submission id it reports. */
    private static final Pattern STANDALONE_ID =
            Pattern.compile("(?:submitted as|\"submissionId\"\\s*:\\s*\")\\s*(driver-[0-9A-Za-z-]+)");
    /** Kubernetes: the driver pod and its namespace, as the submission client logs them. */
    private static final Pattern K8S_POD = Pattern.compile("pod name:\\s*(\\S+)");

    private static final Pattern K8S_NAMESPACE = Pattern.compile("namespace:\\s*(\\S+)");

    SparkSubmit {
        conf = new LinkedHashMap<>(conf);
        // Without these, cluster mode on standalone returns as soon as the driver is submitted: the exit status
        // would say nothing about the job. (YARN and Kubernetes wait by default; a task may still turn it off.)
        if ("cluster".equals(deployMode)) {
            if (master.startsWith("spark://")) conf.putIfAbsent("spark.standalone.submit.waitAppCompletion", "true");
            if (master.startsWith("k8s://")) conf.putIfAbsent("spark.kubernetes.submission.waitAppCompletion", "true");
            if (master.equals("yarn")) conf.putIfAbsent("spark.yarn.submit.waitAppCompletion", "true");
        }
        // The progress bar redraws one line with carriage returns: noise in a log file.
        conf.putIfAbsent("spark.ui.showConsoleProgress", "false");
        conf = Map.copyOf(conf);
        packages = List.copyOf(packages);
        pyFiles = List.copyOf(pyFiles);
        args = List.copyOf(args);
    }

    static boolean validMaster(String master) {
        return MASTER.matcher(master).matches();
    }

    boolean clientMode() {
        return !"cluster".equals(deployMode);
    }

    List<String> argv() {
        List<String> argv = new ArrayList<>(List.of(sparkSubmit, "--master", master, "--deploy-mode", deployMode));
        argv.addAll(List.of("--name", name));
        if (mainClass != null) argv.addAll(List.of("--class", mainClass));
        conf.entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .forEach(e -> argv.addAll(List.of("--conf", e.getKey() + "=" + e.getValue())));
        if (!packages.isEmpty()) argv.addAll(List.of("--packages", String.join(",", packages)));
        if (!pyFiles.isEmpty()) argv.addAll(List.of("--py-files", String.join(",", pyFiles)));
        argv.add(application);
        argv.addAll(args);
        return argv;
    }

    /**
     * The spark-submit call that kills the application this submission started in cluster mode, from what
     * spark-submit printed: {@code --kill driver-…} on standalone, {@code --kill namespace:pod} on Kubernetes.
     * Empty where spark-submit cannot kill (YARN: {@code yarn application -kill} is YARN's own tool) or when the
     * submission id was not printed yet.
     */
    Optional<List<String>> killCommand(List<String> log) {
        String id = null;
        if (master.startsWith("spark://")) {
            id = last(STANDALONE_ID, log);
        } else if (master.startsWith("k8s://")) {
            String pod = last(K8S_POD, log);
            String ns = last(K8S_NAMESPACE, log);
            if (pod != null) id = (ns == null ? "default" : ns) + ":" + pod;
        }
        if (id == null) return Optional.empty();
        return Optional.of(List.of(sparkSubmit, "--master", master, "--kill", id));
    }

    private static String last(Pattern p, List<String> lines) {
        String found = null;
        for (String l : lines) {
            Matcher m = p.matcher(l);
            while (m.find()) found = m.group(1);
        }
        return found;
    }
}
