package dev.sluice.ml.task;

import dev.sluice.task.Durations;
import dev.sluice.task.TaskFailedException;
import dev.sluice.template.Secrets;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.KinesisClientBuilder;
import software.amazon.awssdk.services.kinesis.model.ExpiredIteratorException;
import software.amazon.awssdk.services.kinesis.model.GetRecordsRequest;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.GetShardIteratorRequest;
import software.amazon.awssdk.services.kinesis.model.KinesisException;
import software.amazon.awssdk.services.kinesis.model.ListShardsRequest;
import software.amazon.awssdk.services.kinesis.model.ListShardsResponse;
import software.amazon.awssdk.services.kinesis.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.kinesis.model.ResourceNotFoundException;
import software.amazon.awssdk.services.kinesis.model.Shard;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;

/**
 * The stream {@link KinesisSource} reads, reached with the SDK's synchronous client over the JDK's HTTP client:
 * ListShards, GetShardIterator and GetRecords, each failure turned into a message that says what was being done and
 * where. Credentials come from Sluice secrets when the config names them; their values are masked in anything the
 * service sends back.
 */
final class KinesisStream implements AutoCloseable {
    /** GetRecords found the shard's read throughput exceeded, after the SDK's own retries: wait and ask again. */
    static final class Throttled extends Exception {
        Throttled() {
            super(null, null, false, false);
        }
    }

    /** The shard iterator is older than 5 minutes: take a new one. */
    static final class Expired extends Exception {
        Expired() {
            super(null, null, false, false);
        }
    }

    private final Cfg cfg;
    private final String stream;
    private final boolean byArn;
    private final Duration connectTimeout;
    /** Credential values read from secrets: never logged, and masked in any message the service sends back. */
    private final Set<String> hidden = new HashSet<>();

    private final KinesisClient client;
    /** The worker's credentials chain, when used: it may hold a refresh thread, and the client does not own it. */
    private DefaultCredentialsProvider chain;

    private String where;

    KinesisStream(Cfg cfg) throws TaskFailedException {
        this.cfg = cfg;
        this.stream = cfg.str("stream");
        this.byArn = stream.startsWith("arn:");
        this.connectTimeout = Durations.parse(cfg.str("connect_timeout"));
        this.client = client();
    }

    private KinesisClient client() throws TaskFailedException {
        KinesisClientBuilder b = KinesisClient.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(connectTimeout)
                        .socketTimeout(connectTimeout))
                .credentialsProvider(credentials())
                .overrideConfiguration(o -> o.apiCallTimeout(connectTimeout.multipliedBy(2)));
        if (cfg.has("region")) b.region(Region.of(cfg.str("region")));
        else if (byArn && stream.split(":").length > 3 && !stream.split(":")[3].isEmpty())
            b.region(Region.of(stream.split(":")[3])); // arn:aws:kinesis:REGION:account:stream/name
        if (cfg.has("endpoint")) {
            URI endpoint = URI.create(cfg.str("endpoint"));
            b.endpointOverride(endpoint);
            where = HttpJsonSource.redact(endpoint);
        }
        try {
            KinesisClient client = b.build();
            if (where == null)
                where = "region " + client.serviceClientConfiguration().region();
            return client;
        } catch (SdkClientException e) {
            // The only thing a client build looks up is the region.
            if (chain != null) chain.close();
            throw new TaskFailedException(
                    "region: not set, and this worker has no default AWS region (AWS_REGION): " + hide(e.getMessage()));
        }
    }

    /** Credentials from Sluice secrets when named, else the worker's default AWS chain (environment, profile, role). */
    private AwsCredentialsProvider credentials() throws TaskFailedException {
        if (!cfg.has("access_key_id_secret")) {
            chain = DefaultCredentialsProvider.builder().build();
            try {
                chain.resolveCredentials(); // now, so that a missing one is said plainly, not with the chain's report
            } catch (SdkClientException e) {
                chain.close();
                throw new TaskFailedException("no AWS credentials for stream " + stream
                        + ": name Sluice secrets in access_key_id_secret and secret_access_key_secret, or give the"
                        + " worker credentials (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile or a role)");
            }
            return chain;
        }
        String id = secret("access_key_id_secret");
        String key = secret("secret_access_key_secret");
        String token = cfg.has("session_token_secret") ? secret("session_token_secret") : null;
        return StaticCredentialsProvider.create(
                token == null ? AwsBasicCredentials.create(id, key) : AwsSessionCredentials.create(id, key, token));
    }

    private String secret(String field) throws TaskFailedException {
        String name = cfg.str(field);
        String v = Secrets.lookup(name);
        if (v == null || v.isEmpty())
            throw new TaskFailedException(
                    field + ": secret " + name + " is not set on this worker (" + Secrets.ENV_PREFIX + name + ")");
        hidden.add(v);
        return v;
    }

    /** Every shard the stream has now, closed ones included. */
    List<Shard> shards() throws TaskFailedException {
        List<Shard> shards = new ArrayList<>();
        String next = null;
        do {
            ListShardsRequest.Builder req = ListShardsRequest.builder();
            if (next != null) req.nextToken(next); // a follow-up page names the stream by its token only
            else if (byArn) req.streamARN(stream);
            else req.streamName(stream);
            ListShardsResponse page =
                    call("listing the shards of stream " + stream, () -> client.listShards(req.build()));
            shards.addAll(page.shards());
            next = page.nextToken();
        } while (next != null);
        if (shards.isEmpty()) throw new TaskFailedException("stream " + stream + " at " + where + " has no shards");
        return shards;
    }

    /**
     * A shard iterator of {@code type}; {@code sequenceNumber} for AT_/AFTER_SEQUENCE_NUMBER, {@code timestamp} for
     * AT_TIMESTAMP. {@code what} says why, for a failure's message.
     */
    String iterator(String shard, ShardIteratorType type, String sequenceNumber, Instant timestamp, String what)
            throws TaskFailedException {
        GetShardIteratorRequest.Builder req =
                GetShardIteratorRequest.builder().shardId(shard).shardIteratorType(type);
        if (byArn) req.streamARN(stream);
        else req.streamName(stream);
        if (sequenceNumber != null) req.startingSequenceNumber(sequenceNumber);
        if (timestamp != null) req.timestamp(timestamp);
        return call(what + " of stream " + stream, () -> client.getShardIterator(req.build()))
                .shardIterator();
    }

    /** Up to {@code limit} records from {@code iterator}. */
    GetRecordsResponse records(String iterator, int limit, String what) throws TaskFailedException, Throttled, Expired {
        GetRecordsRequest.Builder req =
                GetRecordsRequest.builder().shardIterator(iterator).limit(limit);
        if (byArn) req.streamARN(stream);
        return attempt(what + " of stream " + stream, () -> client.getRecords(req.build()));
    }

    @Override
    public void close() {
        client.close();
        if (chain != null) chain.close();
    }

    private interface Call<T> {
        T get() throws SdkException;
    }

    /**
     * The SDK's exceptions, turned into task failures that say what was being done and where, credentials masked;
     * a throttle or an expired iterator is thrown as such for the caller to wait or renew.
     */
    private <T> T attempt(String what, Call<T> action) throws TaskFailedException, Throttled, Expired {
        try {
            return action.get();
        } catch (ProvisionedThroughputExceededException e) {
            throw new Throttled();
        } catch (ExpiredIteratorException e) {
            throw new Expired();
        } catch (ResourceNotFoundException e) {
            throw new TaskFailedException(what + ": not found at " + where + ": "
                    + hide(e.awsErrorDetails().errorMessage()));
        } catch (KinesisException e) {
            String code = e.awsErrorDetails() == null ? "" : e.awsErrorDetails().errorCode() + ": ";
            String message = e.awsErrorDetails() == null
                    ? e.getMessage()
                    : e.awsErrorDetails().errorMessage();
            throw new TaskFailedException(what + " at " + where + " failed: " + code + hide(message));
        } catch (ApiCallTimeoutException e) {
            throw new TaskFailedException(what + ": no answer from Kinesis at " + where
                    + " within twice connect_timeout " + Durations.format(connectTimeout)
                    + " (is the endpoint up and reachable from this worker?)");
        } catch (SdkClientException e) {
            if (rootCause(e) instanceof java.io.IOException) {
                throw new TaskFailedException(what + ": cannot reach Kinesis at " + where + " (" + hide(rootMessage(e))
                        + "; is the endpoint right and reachable from this worker?)");
            }
            throw new TaskFailedException(what + " at " + where + " failed: " + hide(rootMessage(e)));
        } catch (SdkException e) {
            throw new TaskFailedException(what + " at " + where + " failed: " + hide(rootMessage(e)));
        }
    }

    /** {@link #attempt} for callers that neither wait nor renew: a throttle or an expiry is then a failure. */
    private <T> T call(String what, Call<T> action) throws TaskFailedException {
        try {
            return attempt(what, action);
        } catch (Throttled e) {
            throw new TaskFailedException(what + " at " + where + " failed: the shard's read throughput is exceeded");
        } catch (Expired e) {
            throw new TaskFailedException(what + " at " + where + " failed: the shard iterator expired");
        }
    }

    private String hide(String message) {
        return Secrets.mask(message, hidden);
    }

    private static Throwable rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        return t;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = rootCause(e);
        return t == e ? String.valueOf(e.getMessage()) : e.getMessage() + ": " + t;
    }
}
