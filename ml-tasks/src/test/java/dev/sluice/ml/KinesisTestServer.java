package dev.sluice.ml;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.PutRecordResponse;
import software.amazon.awssdk.services.kinesis.model.Shard;
import software.amazon.awssdk.services.kinesis.model.StreamStatus;

/**
 * A real Kinesis-compatible server for tests: kinesis-mock (npm package kinesis-local, installed by scripts/node-env)
 * on free loopback ports, one per test JVM. It speaks the SDK's default CBOR protocol, keeps closed parent shards
 * after a split with their records, and serves AT_TIMESTAMP and LATEST iterators, so the source is tested against
 * the protocol, not a recording. Resharding and stream creation are made instant (the real service takes seconds).
 */
public final class KinesisTestServer {
    public static final String REGION = "us-east-1";
    private static KinesisTestServer instance;

    private final Process process;
    private final int port;

    private KinesisTestServer(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** The shared server, started on first use. */
    public static synchronized KinesisTestServer get() throws IOException, InterruptedException {
        if (instance == null || !instance.process.isAlive()) instance = start();
        return instance;
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    public KinesisClient client() {
        return KinesisClient.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .endpointOverride(URI.create(endpoint()))
                .region(Region.of(REGION))
                .credentialsProvider(
                        StaticCredentialsProvider.create(AwsBasicCredentials.create("test-key-id", "test-secret")))
                .build();
    }

    /** Creates a stream of {@code shards} shards and waits until it is active. */
    public void createStream(String name, int shards) {
        try (KinesisClient c = client()) {
            c.createStream(b -> b.streamName(name).shardCount(shards));
            awaitActive(c, name);
        }
    }

    /** Splits {@code shard} in two at the middle of its hash range and waits until the stream is active again. */
    public void split(String stream, String shard) {
        try (KinesisClient c = client()) {
            Shard s = shards(c, stream).stream()
                    .filter(x -> x.shardId().equals(shard))
                    .findFirst()
                    .orElseThrow();
            BigInteger lo = new BigInteger(s.hashKeyRange().startingHashKey());
            BigInteger hi = new BigInteger(s.hashKeyRange().endingHashKey());
            String middle = lo.add(hi).shiftRight(1).toString();
            c.splitShard(b -> b.streamName(stream).shardToSplit(shard).newStartingHashKey(middle));
            awaitActive(c, stream);
        }
    }

    /** The stream's shards, closed ones included. */
    public List<Shard> shards(String stream) {
        try (KinesisClient c = client()) {
            return shards(c, stream);
        }
    }

    private static List<Shard> shards(KinesisClient c, String stream) {
        return c.listShards(b -> b.streamName(stream)).shards();
    }

    /** Writes {@code data} to the open shard whose hash range starts at {@code hashKey}'s shard. */
    public PutRecordResponse put(String stream, String shard, String partitionKey, byte[] data) {
        try (KinesisClient c = client()) {
            Shard s = shards(c, stream).stream()
                    .filter(x -> x.shardId().equals(shard))
                    .findFirst()
                    .orElseThrow();
            PutRecordResponse r = c.putRecord(b -> b.streamName(stream)
                    .partitionKey(partitionKey)
                    .explicitHashKey(s.hashKeyRange().startingHashKey())
                    .data(SdkBytes.fromByteArray(data)));
            if (!r.shardId().equals(shard))
                throw new IllegalStateException("record went to " + r.shardId() + ", not " + shard);
            return r;
        }
    }

    private static void awaitActive(KinesisClient c, String stream) {
        Awaitility.await()
                .atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> c.describeStreamSummary(b -> b.streamName(stream))
                                .streamDescriptionSummary()
                                .streamStatus()
                        == StreamStatus.ACTIVE);
    }

    private static KinesisTestServer start() throws IOException, InterruptedException {
        Path main = nodeModules().resolve("kinesis-local/main.js");
        if (!Files.isRegularFile(main))
            throw new IllegalStateException(
                    main + " is missing: the test npm packages are incomplete (scripts/node-env)");
        int[] ports = freePorts();
        Path log = Files.createTempFile("kinesis-local-", ".log");
        ProcessBuilder pb = new ProcessBuilder("node", main.toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        Map<String, String> env = pb.environment();
        env.put("KINESIS_MOCK_PLAIN_PORT", Integer.toString(ports[0]));
        env.put("KINESIS_MOCK_TLS_PORT", Integer.toString(ports[1]));
        env.put("KINESIS_MOCK_CERT_PATH", main.resolveSibling("server.json").toString());
        env.put("AWS_REGION", REGION);
        env.put("SHOULD_PERSIST_DATA", "false");
        env.put("LOAD_DATA_IF_EXISTS", "false");
        env.put("LOG_LEVEL", "WARN");
        for (String op : List.of("CREATE_STREAM", "DELETE_STREAM", "SPLIT_SHARD", "MERGE_SHARDS", "UPDATE_SHARD_COUNT"))
            env.put(op + "_DURATION", "0ms");
        Process p = pb.start();
        Runtime.getRuntime().addShutdownHook(new Thread(p::destroyForcibly, "kinesis-local-stop"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) throw new IllegalStateException("kinesis-local exited: " + Files.readString(log));
            try (Socket sock = new Socket()) {
                sock.connect(new InetSocketAddress("127.0.0.1", ports[0]), 200);
                return new KinesisTestServer(p, ports[0]);
            } catch (IOException notYet) {
                p.waitFor(100, TimeUnit.MILLISECONDS);
            }
        }
        p.destroyForcibly();
        throw new IllegalStateException(
                "kinesis-local did not listen on port " + ports[0] + " within 60 s: " + Files.readString(log));
    }

    private static int[] freePorts() throws IOException {
        try (ServerSocket a = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                ServerSocket b = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return new int[] {a.getLocalPort(), b.getLocalPort()};
        }
    }

    /**
     * The test npm packages: SLUICE_TEST_NODE_MODULES (set by scripts/test), else installed now by scripts/node-env
     * so a plain {@code mvn verify} works too. Never skipped: a missing server is a failing test, said plainly.
     */
    private static Path nodeModules() throws IOException, InterruptedException {
        String env = System.getenv("SLUICE_TEST_NODE_MODULES");
        if (env != null && !env.isBlank()) return Path.of(env);
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isExecutable(dir.resolve("scripts/node-env"))) dir = dir.getParent();
        if (dir == null)
            throw new IllegalStateException("SLUICE_TEST_NODE_MODULES is not set and scripts/node-env was not found");
        Process p = new ProcessBuilder(dir.resolve("scripts/node-env").toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        if (p.waitFor() != 0) throw new IllegalStateException("scripts/node-env failed (exit " + p.exitValue() + ")");
        return Path.of(out);
    }
}
