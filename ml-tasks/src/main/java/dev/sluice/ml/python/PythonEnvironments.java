package dev.sluice.ml.python;

import dev.sluice.task.TaskContext;
import dev.sluice.task.TaskFailedException;
import dev.sluice.task.process.ProcessLauncher;
import dev.sluice.task.process.ProcessOutcome;
import dev.sluice.task.process.TaskCommand;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.UnaryOperator;

/**
 * The virtual environments of {@code python} tasks: one per distinct requirement set and interpreter version per
 * node, under {@code SLUICE_HOME/venvs/<hash>}, built once and reused after.
 *
 * <p>Building holds two locks: an in-JVM one per hash (a {@link FileLock} belongs to the whole JVM, so two threads of
 * one worker would otherwise get {@link java.nio.channels.OverlappingFileLockException}) and a {@link FileLock} on
 * {@code <hash>.lock} for the other processes of the node. The environment is built in its final directory, not in
 * a temporary one renamed after: pip writes the venv's absolute path into every console script it installs, so a
 * renamed venv would hold broken scripts. The {@code .complete} marker, written last, is the commit point: a
 * directory without it is the leftover of a crash and is rebuilt. Every process (the interpreter probe, venv, pip)
 * runs through the {@link ProcessLauncher}, so timeouts and cancel stop it and its output is in the attempt log;
 * they run in {@code SLUICE_HOME}, not the DAG's folder, whose modules would otherwise shadow pip's own imports.
 */
final class PythonEnvironments {
    static final String INDEX_URL = "SLUICE_PIP_INDEX_URL";
    static final String FIND_LINKS = "SLUICE_PIP_FIND_LINKS";
    static final String NO_INDEX = "SLUICE_PIP_NO_INDEX";
    static final String MARKER = ".complete";
    private static final Map<String, ReentrantLock> BUILDING = new ConcurrentHashMap<>();
    private static final String PROBE = "import json, os, sys; json.dump({'version': sys.version.split()[0], "
            + "'implementation': sys.implementation.name, 'base': sys.base_prefix}, open(os.environ['SLUICE_OUTPUT'], 'w'))";

    private final UnaryOperator<String> settings;

    /** @param settings the worker's settings by name (system property, else environment variable) */
    PythonEnvironments(UnaryOperator<String> settings) {
        this.settings = settings;
    }

    static PythonEnvironments fromEnvironment() {
        return new PythonEnvironments(name -> {
            String v = System.getProperty(name);
            return v != null ? v : System.getenv(name);
        });
    }

    /**
     * The interpreter the task runs with: {@code python} itself without requirements, else the {@code bin/python}
     * of the environment for them, built now if this node has none yet.
     */
    String interpreter(TaskContext ctx, ProcessLauncher launcher, String python, List<String> requirements)
            throws IOException, InterruptedException, TaskFailedException {
        String version = probe(ctx, launcher, python);
        if (requirements.isEmpty()) return python;
        String hash = hash(version, requirements);
        Path venvs = ctx.home().resolve("venvs");
        Files.createDirectories(venvs);
        Path dir = venvs.resolve(hash);
        Path bin = dir.resolve("bin").resolve("python");
        if (Files.exists(dir.resolve(MARKER))) {
            ctx.log().printf("environment %s: cache hit (%s, %d requirements)%n", hash, version, requirements.size());
            return bin.toString();
        }
        ReentrantLock local = BUILDING.computeIfAbsent(hash, h -> new ReentrantLock());
        local.lockInterruptibly();
        try (FileChannel ch =
                FileChannel.open(venvs.resolve(hash + ".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            Instant waitStart = Instant.now();
            try (FileLock ignored = ch.lock()) {
                if (Files.exists(dir.resolve(MARKER))) {
                    ctx.log()
                            .printf(
                                    "environment %s: cache hit after waiting %s for another attempt to build it%n",
                                    hash, seconds(Duration.between(waitStart, Instant.now())));
                    return bin.toString();
                }
                build(ctx, launcher, python, version, requirements, hash, dir);
                return bin.toString();
            }
        } finally {
            local.unlock();
        }
    }

    private void build(
            TaskContext ctx,
            ProcessLauncher launcher,
            String python,
            String version,
            List<String> requirements,
            String hash,
            Path dir)
            throws IOException, InterruptedException, TaskFailedException {
        Instant start = Instant.now();
        SdkFiles.deleteTree(dir); // a crashed build's leftover
        ctx.log().printf("environment %s: building for %s: %s%n", hash, version, String.join(", ", requirements));
        ctx.log().flush();
        ProcessOutcome venv = launcher.run(
                ctx, new TaskCommand(List.of(python, "-m", "venv", dir.toString()), ctx.home(), Map.of(), Map.of()));
        if (venv.exitCode() != 0) {
            throw new TaskFailedException(
                    "environment " + hash + ": '" + python + " -m venv' failed with exit code " + venv.exitCode()
                            + " (is the venv module installed?); see the attempt log",
                    venv.exitCode());
        }
        Path reqFile = dir.resolve("sluice-requirements.txt");
        Files.write(reqFile, requirements, StandardCharsets.UTF_8);
        List<String> pip = new ArrayList<>(List.of(
                dir.resolve("bin").resolve("python").toString(),
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "--no-input",
                "--progress-bar",
                "off"));
        pip.addAll(indexOptions());
        pip.addAll(List.of("-r", reqFile.toString()));
        ProcessOutcome install = launcher.run(ctx, new TaskCommand(pip, ctx.home(), Map.of(), Map.of()));
        if (install.exitCode() != 0) {
            throw new TaskFailedException(
                    "environment " + hash + ": pip install failed with exit code " + install.exitCode() + " for "
                            + String.join(", ", requirements) + "; pip's output is in the attempt log",
                    install.exitCode());
        }
        Files.writeString(dir.resolve(MARKER), String.join("\n", requirements) + "\n");
        ctx.log()
                .printf(
                        "environment %s: installed %s in %s%n",
                        hash, String.join(", ", requirements), seconds(Duration.between(start, Instant.now())));
    }

    String setting(String name) {
        String v = settings.apply(name);
        return v == null || v.isBlank() ? null : v;
    }

    /** pip's index options from the worker's settings: an index URL, or a local wheel folder for air-gapped nodes. */
    List<String> indexOptions() {
        List<String> out = new ArrayList<>();
        String index = settings.apply(INDEX_URL);
        if (index != null && !index.isBlank()) out.addAll(List.of("--index-url", index));
        String links = settings.apply(FIND_LINKS);
        if (links != null && !links.isBlank()) out.addAll(List.of("--find-links", links));
        String noIndex = settings.apply(NO_INDEX);
        if (noIndex != null
                && List.of("true", "1", "yes").contains(noIndex.trim().toLowerCase(java.util.Locale.ROOT)))
            out.add("--no-index");
        return out;
    }

    /** The interpreter's implementation, version and base installation, which tells a missing or broken interpreter from a failing task. */
    private static String probe(TaskContext ctx, ProcessLauncher launcher, String python)
            throws IOException, InterruptedException, TaskFailedException {
        ProcessOutcome o =
                launcher.run(ctx, new TaskCommand(List.of(python, "-c", PROBE), ctx.home(), Map.of(), Map.of()));
        if (o.exitCode() == 127) {
            throw new TaskFailedException(
                    "python interpreter '" + python + "' was not found on this worker (set python: or "
                            + PythonTask.PYTHON_SETTING + ")",
                    o.exitCode());
        }
        if (o.exitCode() != 0 || !(o.output().get("version") instanceof String v)) {
            throw new TaskFailedException(
                    "python interpreter '" + python + "' did not start (exit code " + o.exitCode()
                            + "); see the attempt log",
                    o.exitCode());
        }
        // Same version from another installation is another base: a venv points at the base it was made from.
        return o.output().get("implementation") + " " + v + " (" + o.output().get("base") + ")";
    }

    /** The first 16 hex digits of the sha-256 of the interpreter (implementation, version, base installation) and the normalized, sorted requirements. */
    static String hash(String version, List<String> requirements) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update((version + "\n").getBytes(StandardCharsets.UTF_8));
            for (String r : requirements.stream().sorted().toList())
                md.update((r + "\n").getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(md.digest()).substring(0, 16);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Requirement lines as one set: comments and blank lines dropped, spaces around operators removed, sorted and
     * deduplicated, so the order of a list or file does not make a second environment. Options ({@code -r}, {@code --index-url},
     * {@code -e}) are refused: where packages come from is the worker's setting, and a nested file would escape the hash.
     */
    static List<String> normalize(List<String> lines, String where) throws TaskFailedException {
        java.util.TreeSet<String> out = new java.util.TreeSet<>();
        int n = 0;
        for (String raw : lines) {
            n++;
            String line = raw.contains("#") ? raw.substring(0, raw.indexOf('#')) : raw;
            line = line.strip();
            if (line.isEmpty()) continue;
            if (line.startsWith("-")) {
                throw new TaskFailedException(where + (lines.size() > 1 ? " line " + n : "") + ": '" + line
                        + "': pip options are not supported in requirements (package sources are the worker's "
                        + INDEX_URL + " / " + FIND_LINKS + " settings)");
            }
            // "six >= 1.0" and "six>=1.0" are one requirement; spaces elsewhere (in markers: "and", "or") matter.
            out.add(line.replaceAll("\\s+", " ").replaceAll(" ?(===|==|>=|<=|!=|~=|<|>|,|\\[|\\]) ?", "$1"));
        }
        return List.copyOf(out);
    }

    private static String seconds(Duration d) {
        return String.format(java.util.Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }
}
