package dev.sluice.bench;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * CPU time spent by this JVM and by the embedded PostgreSQL server (postmaster, its live backends, and the backends
 * it has reaped). On a machine shared with other work, CPU seconds per task vary far less than tasks per second.
 */
final class ProcessCpu {
    private static final double TICK_SECONDS = 0.01; // USER_HZ is 100 on Linux
    private final long postmaster;

    private ProcessCpu(long postmaster) {
        this.postmaster = postmaster;
    }

    /** The PostgreSQL listening on {@code port} on this machine, or none (-1) when it cannot be found. */
    static ProcessCpu forPostgresOnPort(int port) {
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.toList()) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) continue;
                try {
                    String cmd = Files.readString(p.resolve("cmdline")).replace('\0', ' ');
                    if (cmd.contains("postgres") && cmd.contains(" -p " + port + " ")) {
                        return new ProcessCpu(Long.parseLong(name));
                    }
                } catch (Exception ignored) {
                    // the process ended while we looked
                }
            }
        } catch (Exception ignored) {
            // no /proc: report nothing
        }
        return new ProcessCpu(-1);
    }

    static double jvmSeconds() {
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        return os.getProcessCpuTime() / 1e9;
    }

    /** The server's CPU seconds so far; NaN when unknown. */
    double postgresSeconds() {
        if (postmaster < 0) return Double.NaN;
        try {
            long ticks = 0;
            List<String> self = stat(postmaster);
            // utime, stime, cutime, cstime: reaped backends' time is in the last two
            for (int i = 13; i <= 16; i++) ticks += Long.parseLong(self.get(i));
            try (var procs = Files.list(Path.of("/proc"))) {
                for (Path p : procs.toList()) {
                    String name = p.getFileName().toString();
                    if (!name.chars().allMatch(Character::isDigit)) continue;
                    try {
                        List<String> st = stat(Long.parseLong(name));
                        if (Long.parseLong(st.get(3)) == postmaster) {
                            ticks += Long.parseLong(st.get(13)) + Long.parseLong(st.get(14));
                        }
                    } catch (Exception ignored) {
                        // ended meanwhile
                    }
                }
            }
            return ticks * TICK_SECONDS;
        } catch (Exception e) {
            return Double.NaN;
        }
    }

    /** /proc/PID/stat split into fields, the command name (which may hold spaces) as one. */
    private static List<String> stat(long pid) throws Exception {
        String s = Files.readString(Path.of("/proc/" + pid + "/stat"));
        int close = s.lastIndexOf(')');
        List<String> out = new java.util.ArrayList<>();
        out.add(s.substring(0, s.indexOf(' ')));
        out.add(s.substring(s.indexOf('(') + 1, close));
        for (String f : s.substring(close + 2).split(" ")) out.add(f);
        return out;
    }
}
