package dev.sluice.task.process;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A task's command running in a process group of its own, which dies as a whole: when the command ends (so a
 * background child cannot outlive its task), on timeout or cancel, and when the JVM dies, even by SIGKILL.
 *
 * <p>{@code setsid} gives the command a new session and process group. In it, a small bash wrapper starts a watcher
 * and then the command (stdin from {@code /dev/null}). The watcher reads the pipe that is the wrapper's stdin, whose
 * only writer is this JVM: each line is a signal it sends to the whole group ({@code kill -s SIG 0}, from inside
 * the group, so no process id can be reused in between), and end of file, which also comes when the JVM dies,
 * sends SIGKILL to the group. A thread-bound {@code PR_SET_PDEATHSIG} would not do: it fires when the forking
 * <em>thread</em> exits, and pool threads come and go. To stop, the group gets SIGTERM, then SIGKILL after a grace
 * period; the wrapper waits out the command's own TERM handling, so the command's exit status is kept.
 */
public final class TaskProcess implements AutoCloseable {
    /**
     * The wrapper: keeps the pipe on fd 3 for the watcher only, ignores TERM/INT/HUP in the watcher (it must outlive
     * the SIGTERM it relays) and traps them in itself (a handler, unlike an ignore, is not inherited by the
     * command), runs the command and exits with its status. The watcher does not hold the output pipe, whose end
     * of file tells the log pump that the command's output is complete.
     */
    static final String WRAPPER = String.join(
            "\n",
            "exec 3<&0 </dev/null",
            "( trap '' TERM INT HUP; while IFS= read -r sig <&3; do kill -s \"$sig\" 0 2>/dev/null; done; kill -s KILL 0 ) >/dev/null 2>&1 &",
            "exec 3<&-",
            "trap : TERM INT HUP",
            "\"$@\"",
            "exit $?");

    static final String SETSID = "/usr/bin/setsid";

    /** Closes watcher pipes once a finished task's stragglers have had their grace: no thread waits per task. */
    private static final ScheduledExecutorService REAPER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sluice-process-reaper");
        t.setDaemon(true);
        return t;
    });

    private final Process wrapper;
    private final OutputStream watcher;
    private final Duration grace;
    private final Thread pump;
    private boolean groupSignalled;

    private TaskProcess(Process wrapper, Duration grace, OutputStream log) {
        this.wrapper = wrapper;
        this.watcher = wrapper.getOutputStream();
        this.grace = grace;
        InputStream output = wrapper.getInputStream();
        this.pump = Thread.ofPlatform()
                .daemon()
                .name("sluice-log-pump-" + wrapper.pid())
                .start(() -> pump(output, log));
    }

    /**
     * Starts {@code command} in {@code cwd} with exactly {@code env}; stdout and stderr go through a pipe that this
     * JVM drains into {@code log} (not straight to a file), so the log can enforce its size cap while the process
     * never blocks on a full pipe.
     */
    public static TaskProcess start(
            List<String> command, Path cwd, Map<String, String> env, OutputStream log, Duration grace)
            throws IOException {
        List<String> argv = new ArrayList<>(List.of(SETSID, "bash", "-c", WRAPPER, "sluice-task"));
        argv.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(argv)
                .directory(cwd.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.PIPE);
        pb.environment().clear();
        pb.environment().putAll(env);
        return new TaskProcess(pb.start(), grace, log);
    }

    /**
     * Copies the process's output to the log until end of file, which comes when every process of the group has
     * closed its output (at the latest when the group is killed). A log that cannot be written any more (disk
     * full) does not stop the draining: the process must never block on its output.
     */
    private static void pump(InputStream output, OutputStream log) {
        byte[] buf = new byte[64 * 1024];
        boolean writable = true;
        try (output) {
            int n;
            while ((n = output.read(buf)) >= 0) {
                if (!writable || n == 0) continue;
                try {
                    log.write(buf, 0, n);
                } catch (IOException e) {
                    writable = false;
                }
            }
        } catch (IOException ignored) {
            // the pipe broke: the process group is gone
        } finally {
            try {
                log.close();
            } catch (IOException ignored) {
                // nothing more to write
            }
        }
    }

    /**
     * Waits until the output the process wrote has reached the log: at most the grace plus a little, since a
     * background child that keeps the pipe open is killed with the group after the grace.
     */
    private void awaitPump() throws InterruptedException {
        pump.join(grace.toMillis() + 500);
    }

    /** The process group's id (the wrapper, as session leader, has the group's id as its pid). */
    public long processGroup() {
        return wrapper.pid();
    }

    /**
     * Waits for the command and returns its exit status (128 + n when signal n ended it). The rest of the group
     * gets SIGTERM at once and SIGKILL after the grace, without this call waiting for it.
     */
    public int waitFor() throws InterruptedException {
        int exit = wrapper.waitFor();
        signal("TERM");
        REAPER.schedule(this::killGroup, grace.toMillis(), TimeUnit.MILLISECONDS);
        awaitPump();
        return exit;
    }

    /**
     * Stops the whole group: SIGTERM, up to the grace for the command to finish, then SIGKILL. Blocks for at most
     * the grace; keeps the calling thread's interrupt status.
     */
    public void stop() {
        boolean interrupted = Thread.interrupted();
        List<ProcessHandle> tree = wrapper.descendants().toList();
        try {
            signal("TERM");
            try {
                wrapper.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        } finally {
            killGroup();
            // A child that made a process group of its own (set -m, setsid) escapes the group's signals. Members of
            // the group are left to the watcher: killing it here could beat it to its SIGKILL of the group.
            long group = processGroup();
            for (ProcessHandle p : tree) {
                long g = processGroupOf(p.pid());
                if (g > 0 && g != group) p.destroyForcibly();
            }
            if (interrupted) Thread.currentThread().interrupt();
        }
    }

    /** SIGKILL to the group now (closing the pipe: the watcher's end of file). */
    void killGroup() {
        synchronized (this) {
            try {
                watcher.close();
            } catch (IOException ignored) {
                // the watcher is gone: so is the group
            }
        }
    }

    private synchronized void signal(String name) {
        try {
            watcher.write((name + "\n").getBytes(StandardCharsets.US_ASCII));
            watcher.flush();
            groupSignalled = true;
        } catch (IOException ignored) {
            // pipe closed or watcher gone: the group has been killed already
        }
    }

    /** The process group of {@code pid} from {@code /proc/<pid>/stat}; -1 if the process is gone. */
    static long processGroupOf(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
            // pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses, so split after the last ')'
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[2]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    @Override
    public void close() {
        if (wrapper.isAlive()) stop();
        else if (!groupSignalled) killGroup();
    }
}
