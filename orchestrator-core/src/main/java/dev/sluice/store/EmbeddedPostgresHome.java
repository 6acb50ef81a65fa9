package dev.sluice.store;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded PostgreSQL of one {@code SLUICE_HOME}: data in {@code SLUICE_HOME/postgres}, password in
 * {@code SLUICE_HOME/postgres-password} (mode 0600, generated at first start), every connection authenticated
 * with it (scram-sha-256), listening on localhost only (PostgreSQL's default), with no rule for other hosts.
 *
 * <p>Starting it settles what is already there:
 * <ul>
 *   <li>a server running in this data directory whose Sluice process is alive (it holds the data directory's lock):
 *       used as it is, by connecting to the port its {@code postmaster.pid} records, and left running at close;
 *   <li>one whose Sluice process died (SIGKILL leaves PostgreSQL running): stopped (fast shutdown), then started
 *       afresh;
 *   <li>a data directory from a version without a password (trust authentication): started once with loopback
 *       trust for the superuser only, given the password, and switched to scram-sha-256 before anything else
 *       connects; the same recovers a deleted password file.
 * </ul>
 * The port is {@code SLUICE_EMBEDDED_DB_PORT}, or 54329 by default. A taken port never leads into another home's
 * database: a configured port that is taken is an error; the default one, taken, is replaced by a free port
 * (clients of this home find it in {@code postmaster.pid}). After the start, the server answering on the port
 * must report this data directory, or the start fails.
 */
final class EmbeddedPostgresHome {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresHome.class);
    static final int DEFAULT_PORT = 54329;
    static final String USER = "postgres";
    static final String PASSWORD_FILE = "postgres-password";
    private static final String HBA_HEADER = "# Written by Sluice at every start of its embedded PostgreSQL.\n";
    /** Every connection needs the password in SLUICE_HOME/postgres-password. */
    static final String HBA = HBA_HEADER + """
            # Every connection needs the password in SLUICE_HOME/postgres-password.
            local   all   all                  scram-sha-256
            host    all   all   127.0.0.1/32   scram-sha-256
            host    all   all   ::1/128        scram-sha-256
            """;
    /** One start only, to give the superuser of a data directory made without a password its password. */
    private static final String HBA_SETTING_PASSWORD = HBA_HEADER + """
            # Setting the superuser's password: replaced by the scram-sha-256 rules once it is set.
            host    postgres   postgres   127.0.0.1/32   trust
            host    postgres   postgres   ::1/128        trust
            """;

    private static final Set<PosixFilePermission> OWNER_ONLY =
            EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

    /**
     * Where to connect, and how to let go: {@code stop} stops the server this process started; null when another
     * Sluice process runs it.
     */
    record Started(String url, String password, int port, AutoCloseable stop) {}

    private EmbeddedPostgresHome() {}

    /**
     * @param port the port to use
     * @param portFixed whether that port was asked for (taken: an error) or is the default (taken: a free one)
     */
    static Started start(Path home, int port, boolean portFixed) {
        Path dataDir = home.resolve("postgres");
        try {
            Files.createDirectories(dataDir);
            Password password = password(home);
            RunningServer running = RunningServer.in(dataDir);
            if (running != null) {
                if (lockedByALiveProcess(dataDir)) {
                    checkDataDirectory(running.port(), password.value(), dataDir, home);
                    log.info(
                            "Using the embedded PostgreSQL on port {} that another Sluice process with SLUICE_HOME={} "
                                    + "runs",
                            running.port(),
                            home);
                    return new Started(url(running.port()), password.value(), running.port(), null);
                }
                running.stop(home);
            } else if (lockedByALiveProcess(dataDir)) {
                throw new IllegalStateException("another Sluice process with SLUICE_HOME=" + home + " is starting its "
                        + "embedded PostgreSQL; start this one when it runs, or give it another SLUICE_HOME");
            }
            int chosen = choosePort(port, portFixed, home);
            return startServer(home, dataDir, chosen, password);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot start the embedded PostgreSQL of SLUICE_HOME=" + home + ": " + e.getMessage(), e);
        }
    }

    private static Started startServer(Path home, Path dataDir, int port, Password password) throws IOException {
        boolean initialized = Files.exists(dataDir.resolve("postgresql.conf"));
        // A data directory without our rules was made by a version without a password (trust); one with a new
        // password file lost its old password. Either way the superuser gets the password in the file now.
        boolean settingPassword = initialized && (password.created() || !hbaIsOurs(dataDir));
        if (settingPassword) {
            log.warn(
                    "The embedded PostgreSQL in {} has no password Sluice knows: setting the one in {}",
                    dataDir,
                    home.resolve(PASSWORD_FILE));
        }
        EmbeddedPostgres pg = EmbeddedPostgres.builder()
                .setDataDirectory(dataDir)
                .setCleanDataDirectory(false)
                .setPort(port)
                // initdb options (zonky passes its "locale" settings to initdb): a new data directory never trusts
                .setLocaleConfig("auth-host", "scram-sha-256")
                .setLocaleConfig("auth-local", "scram-sha-256")
                .setLocaleConfig("pwfile", home.resolve(PASSWORD_FILE).toString())
                .setConnectConfig("password", password.value())
                .setDataDirectoryCustomizer(dir -> writeHba(dir, settingPassword ? HBA_SETTING_PASSWORD : HBA))
                .setServerConfig("max_connections", "200")
                .setServerConfig("password_encryption", "scram-sha-256")
                // zonky turns off fsync and durable commits for test speed; a scheduler's state must survive a crash
                .setServerConfig("synchronous_commit", "on")
                .setServerConfig("fsync", "on")
                .setPGStartupWait(Duration.ofSeconds(60))
                // we stop it ourselves, after the engine: its own hook would pull the database away first
                .setRegisterShutdownHook(false)
                .start();
        try {
            checkDataDirectory(port, password.value(), dataDir, home);
            if (settingPassword) {
                try (Connection c = connect(port, password.value())) {
                    // the client computes the scram verifier: the password itself never reaches the server
                    c.unwrap(PGConnection.class)
                            .alterUserPassword(USER, password.value().toCharArray(), "scram-sha-256");
                    writeHba(dataDir.toFile(), HBA);
                    try (Statement st = c.createStatement()) {
                        st.execute("select pg_reload_conf()");
                    }
                }
            }
        } catch (SQLException | RuntimeException e) {
            pg.close();
            throw new IllegalStateException(
                    "the embedded PostgreSQL of SLUICE_HOME=" + home + " on port " + port + " is not usable: "
                            + e.getMessage(),
                    e);
        }
        log.info("Started embedded PostgreSQL on port {}, data in {}", port, dataDir);
        return new Started(url(port), password.value(), port, pg);
    }

    static String url(int port) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    }

    private static Connection connect(int port, String password) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", USER);
        p.setProperty("password", password);
        p.setProperty("connectTimeout", "10");
        return DriverManager.getConnection(url(port), p);
    }

    /**
     * Fails unless the server on {@code port} keeps its data in {@code dataDir}: a port taken by another home's
     * PostgreSQL (or by an older Sluice's, which accepts any password) must never be used as this home's.
     */
    private static void checkDataDirectory(int port, String password, Path dataDir, Path home) throws IOException {
        String theirs;
        try (Connection c = connect(port, password);
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("show data_directory")) {
            rs.next();
            theirs = rs.getString(1);
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "port " + port + " does not answer as the embedded PostgreSQL of SLUICE_HOME=" + home + " ("
                            + e.getMessage() + ")",
                    e);
        }
        if (!sameFile(Path.of(theirs), dataDir)) {
            throw new IllegalStateException("port " + port + " is served by a PostgreSQL with its data in " + theirs
                    + ", not by the embedded PostgreSQL of SLUICE_HOME=" + home + " (data in " + dataDir + ")");
        }
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return a.toRealPath().equals(b.toRealPath());
        } catch (IOException e) {
            return false;
        }
    }

    private static int choosePort(int port, boolean portFixed, Path home) throws IOException {
        if (isFree(port)) return port;
        if (portFixed) {
            throw new IllegalStateException("port " + port + " (SLUICE_EMBEDDED_DB_PORT) is taken by another program, "
                    + "perhaps the embedded PostgreSQL of another SLUICE_HOME; the embedded PostgreSQL of SLUICE_HOME="
                    + home + " cannot use it. Choose another port, or set SLUICE_DB_URL to share a database");
        }
        int free;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            free = s.getLocalPort();
        }
        log.warn(
                "Port {} is taken (by another SLUICE_HOME's embedded PostgreSQL, or another program): the embedded "
                        + "PostgreSQL of SLUICE_HOME={} uses port {} instead",
                port,
                home,
                free);
        return free;
    }

    private static boolean isFree(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean hbaIsOurs(Path dataDir) throws IOException {
        try {
            return Files.readString(dataDir.resolve("pg_hba.conf")).equals(HBA);
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    private static void writeHba(File dataDir, String rules) {
        try {
            Files.writeString(dataDir.toPath().resolve("pg_hba.conf"), rules, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write pg_hba.conf in " + dataDir, e);
        }
    }

    /**
     * Whether another process (or another Database in this one) holds zonky's lock on the data directory: zonky
     * takes it before starting the server and keeps it until it stops it, so a live holder runs the server.
     */
    private static boolean lockedByALiveProcess(Path dataDir) throws IOException {
        Path lock = dataDir.resolve("epg-lock");
        if (!Files.exists(lock)) return false;
        try (FileChannel ch = FileChannel.open(lock, StandardOpenOption.WRITE)) {
            FileLock l = ch.tryLock();
            if (l == null) return true;
            l.release();
            return false;
        } catch (OverlappingFileLockException e) {
            return true;
        }
    }

    record Password(String value, boolean created) {}

    /** The home's password: read, or generated into a new file only its owner can read. */
    static Password password(Path home) throws IOException {
        Path file = home.resolve(PASSWORD_FILE);
        if (Files.exists(file)) {
            if (!Files.getPosixFilePermissions(file).equals(OWNER_ONLY)) {
                log.warn("{} could be read by other users: made readable by its owner only", file);
                Files.setPosixFilePermissions(file, OWNER_ONLY);
            }
            String value = Files.readString(file, StandardCharsets.UTF_8).strip();
            if (!value.isEmpty()) return new Password(value, false);
            Files.delete(file);
        }
        byte[] random = new byte[24];
        new SecureRandom().nextBytes(random);
        String value = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        try {
            // created with its final mode: there is no moment at which another user could open it
            Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        } catch (FileAlreadyExistsException e) {
            return password(home); // another process made it first
        }
        Files.writeString(file, value + "\n", StandardCharsets.UTF_8);
        return new Password(value, true);
    }

    /** A PostgreSQL running in the data directory, as its {@code postmaster.pid} says. */
    record RunningServer(long pid, int port, Path dataDir) {
        /** The server running in {@code dataDir}, or null when none is. */
        static RunningServer in(Path dataDir) throws IOException {
            List<String> lines;
            try {
                lines = Files.readAllLines(dataDir.resolve("postmaster.pid"));
            } catch (NoSuchFileException e) {
                return null;
            }
            // line 1: the postmaster's PID; line 4: its port (see PostgreSQL's pidfile.h)
            if (lines.size() < 4) return null;
            long pid;
            int port;
            try {
                pid = Long.parseLong(lines.get(0).strip());
                port = Integer.parseInt(lines.get(3).strip());
            } catch (NumberFormatException e) {
                return null;
            }
            var process = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
            // A dead PID, or another user's (our server runs as us), is a stale file, which PostgreSQL replaces.
            if (process.isEmpty()) return null;
            var user = process.get().info().user();
            if (user.isPresent() && !user.get().equals(System.getProperty("user.name"))) return null;
            if (!runsIn(pid, dataDir)) {
                // Deleting the file could start a second server on live data, if our check is what is wrong.
                throw new IllegalStateException(dataDir.resolve("postmaster.pid") + " names process " + pid
                        + ", which is running but not as the PostgreSQL of " + dataDir + ". If no PostgreSQL uses "
                        + dataDir + ", delete that file");
            }
            return new RunningServer(pid, port, dataDir);
        }

        /** A postmaster works in its data directory; {@code /proc/PID/cwd} says where a process works. */
        private static boolean runsIn(long pid, Path dataDir) {
            try {
                return Path.of("/proc", String.valueOf(pid), "cwd").toRealPath().equals(dataDir.toRealPath());
            } catch (IOException e) {
                return false;
            }
        }

        /** Fast shutdown (SIGINT): sessions of the dead process are ended, the data is checkpointed. */
        void stop(Path home) throws IOException {
            log.warn(
                    "Stopping the embedded PostgreSQL (PID {}, port {}) that a Sluice process with SLUICE_HOME={} "
                            + "left running when it ended without stopping it",
                    pid,
                    port,
                    home);
            try {
                Process kill = new ProcessBuilder("kill", "-INT", String.valueOf(pid))
                        .redirectErrorStream(true)
                        .start();
                if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy); // SIGTERM: a smart shutdown
                }
                ProcessHandle.of(pid).ifPresent(h -> {
                    try {
                        h.onExit().get(60, TimeUnit.SECONDS);
                    } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
                        throw new IllegalStateException("the embedded PostgreSQL (PID " + pid + ") left running in "
                                + dataDir + " did not stop within 60 s; stop it, then start Sluice again");
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException("interrupted while stopping PostgreSQL " + pid);
                    }
                });
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while stopping PostgreSQL " + pid, e);
            }
        }
    }
}
