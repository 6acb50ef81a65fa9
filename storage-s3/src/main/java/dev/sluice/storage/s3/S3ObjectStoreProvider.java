package dev.sluice.storage.s3;

import dev.sluice.storage.ObjectStore;
import dev.sluice.storage.ObjectStoreProvider;
import java.net.URI;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/**
 * {@code SLUICE_STORE_URL=s3://bucket/prefix}. {@code SLUICE_S3_ENDPOINT} points at a non-AWS service (MinIO, Ceph,
 * R2, moto), {@code SLUICE_S3_REGION} names the region (default: the SDK's chain, else us-east-1), and
 * {@code SLUICE_S3_PATH_STYLE=true} addresses buckets by path, which most of those services need. Credentials come
 * from the AWS SDK's standard chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, profiles, instance roles).
 */
public final class S3ObjectStoreProvider implements ObjectStoreProvider {
    @Override
    public String scheme() {
        return "s3";
    }

    @Override
    public ObjectStore open(URI url, Map<String, String> settings) {
        String bucket = url.getHost();
        if (bucket == null || bucket.isBlank()) {
            throw new IllegalArgumentException("SLUICE_STORE_URL must name a bucket: s3://BUCKET/prefix, got " + url);
        }
        S3ClientBuilder b = S3Client.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .credentialsProvider(DefaultCredentialsProvider.builder().build());
        String region = settings.get("SLUICE_S3_REGION");
        if (region != null && !region.isBlank()) b.region(Region.of(region.trim()));
        else if (settings.get("AWS_REGION") == null && settings.get("AWS_DEFAULT_REGION") == null)
            b.region(Region.US_EAST_1);
        String endpoint = settings.get("SLUICE_S3_ENDPOINT");
        if (endpoint != null && !endpoint.isBlank()) b.endpointOverride(URI.create(endpoint.trim()));
        if ("true"
                .equalsIgnoreCase(
                        settings.getOrDefault("SLUICE_S3_PATH_STYLE", "false").trim())) b.forcePathStyle(true);
        return new S3ObjectStore(b.build(), bucket, url.getPath());
    }
}
