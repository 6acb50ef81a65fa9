package dev.sluice.storage.s3;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A real S3-compatible server for tests: moto in server mode (from PyPI, in the virtual environment that
 * scripts/python-env makes), on a free loopback port, one per test JVM. Not a recorder: it stores objects and
 * answers the S3 protocol, so the SDK's signing, paging, ranges and errors are exercised for real.
 */
public final class MotoS3Server {
    public static final String ACCESS_KEY = "sluice-test";
    public static final String SECRET_KEY = "sluice-test-secret";
    private static MotoS3Server instance;

    private final Process process;
    private final int port;

    private MotoS3Server(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** The shared server, started on first use. */
    public static synchronized MotoS3Server get() throws IOException, InterruptedException {
        if (instance == null || !instance.process.isAlive()) instance = start();
        return instance;
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    /** A client with the test credentials, path-style addressing, as MinIO and friends need. */
    public S3Client client() {
        return S3Client.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .endpointOverride(URI.create(endpoint()))
                .region(Region.US_EAST_1)
                .forcePathStyle(true)
                .credentialsProvider(
                        StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                .build();
    }

    /** Creates a new, empty bucket and returns its name. */
    public String newBucket() {
        String name = "sluice-test-" + Long.toHexString(System.nanoTime());
        try (S3Client c = client()) {
            c.createBucket(b -> b.bucket(name));
        }
        return name;
    }

    /** The settings a Sluice process would be given to use this server. */
    public Map<String, String> settings() {
        return Map.of(
                "SLUICE_S3_ENDPOINT",
                endpoint(),
                "SLUICE_S3_REGION",
                "us-east-1",
                "SLUICE_S3_PATH_STYLE",
                "true",
                "AWS_ACCESS_KEY_ID",
                ACCESS_KEY,
                "AWS_SECRET_ACCESS_KEY",
                SECRET_KEY);
    }

    private static MotoS3Server start() throws IOException, InterruptedException {
        Path venv = venv();
        Path server = venv.resolve("bin/moto_server");
        if (!Files.isExecutable(server)) {
            throw new IllegalStateException(
                    server + " is missing: the test Python environment is incomplete (scripts/python-env)");
        }
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path log = Files.createTempFile("moto-", ".log");
        Process p = new ProcessBuilder(server.toString(), "-H", "127.0.0.1", "-p", String.valueOf(port))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        Runtime.getRuntime().addShutdownHook(new Thread(p::destroyForcibly, "moto-stop"));
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (Instant.now().isBefore(deadline)) {
            if (!p.isAlive()) throw new IllegalStateException("moto_server exited: " + Files.readString(log));
            try (Socket sock = new Socket()) {
                sock.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return new MotoS3Server(p, port);
            } catch (IOException notYet) {
                Thread.onSpinWait();
                p.waitFor(100, java.util.concurrent.TimeUnit.MILLISECONDS);
            }
        }
        p.destroyForcibly();
        throw new IllegalStateException(
                "moto_server did not listen on port " + port + " within 60 s: " + Files.readString(log));
    }

    /**
     * The test virtual environment: SLUICE_TEST_VENV (set by scripts/test), else made now by scripts/python-env so
     * a plain {@code mvn verify} works too. Never skipped: a missing S3 server is a failing test, said plainly.
     */
    private static Path venv() throws IOException, InterruptedException {
        String env = System.getenv("SLUICE_TEST_VENV");
        if (env != null && !env.isBlank()) return Path.of(env);
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isExecutable(dir.resolve("scripts/python-env"))) dir = dir.getParent();
        if (dir == null)
            throw new IllegalStateException("SLUICE_TEST_VENV is not set and scripts/python-env was not found");
        Process p = new ProcessBuilder(dir.resolve("scripts/python-env").toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        if (p.waitFor() != 0) throw new IllegalStateException("scripts/python-env failed (exit " + p.exitValue() + ")");
        return Path.of(out);
    }
}
