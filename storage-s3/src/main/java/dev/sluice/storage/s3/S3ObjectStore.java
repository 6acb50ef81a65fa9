package dev.sluice.storage.s3;

import dev.sluice.storage.ObjectInfo;
import dev.sluice.storage.ObjectKeys;
import dev.sluice.storage.ObjectStore;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.Delete;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Objects in one bucket under one key prefix. S3 writes are atomic per object, which is the store's contract.
 * SDK failures surface as IOException with the operation and key; credentials never appear in messages.
 */
public final class S3ObjectStore implements ObjectStore {
    private final S3Client s3;
    private final String bucket;
    private final String prefix; // "" or ends with '/'

    public S3ObjectStore(S3Client s3, String bucket, String prefix) {
        this.s3 = s3;
        this.bucket = bucket;
        String p = prefix == null ? "" : prefix.replaceAll("^/+", "");
        this.prefix = p.isEmpty() || p.endsWith("/") ? p : p + "/";
    }

    private String full(String key) {
        return prefix + ObjectKeys.check(key);
    }

    @Override
    public String url() {
        return "s3://" + bucket + "/" + prefix;
    }

    @Override
    public void put(String key, Path file) throws IOException {
        String k = full(key);
        call("put", key, () -> s3.putObject(b -> b.bucket(bucket).key(k), RequestBody.fromFile(file)));
    }

    @Override
    public void put(String key, byte[] bytes) throws IOException {
        String k = full(key);
        call("put", key, () -> s3.putObject(b -> b.bucket(bucket).key(k), RequestBody.fromBytes(bytes)));
    }

    @Override
    public Optional<ObjectInfo> stat(String key) throws IOException {
        String k = full(key);
        try {
            HeadObjectResponse h = s3.headObject(b -> b.bucket(bucket).key(k));
            return Optional.of(new ObjectInfo(key, h.contentLength(), h.lastModified()));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) return Optional.empty();
            throw failure("stat", key, e);
        } catch (SdkException e) {
            throw failure("stat", key, e);
        }
    }

    @Override
    public InputStream open(String key, long offset) throws IOException {
        String k = full(key);
        GetObjectRequest.Builder req = GetObjectRequest.builder().bucket(bucket).key(k);
        if (offset > 0) {
            // A range past the end is a 416 on S3; the contract says "empty", so check the size first.
            long size = stat(key)
                    .orElseThrow(() -> new FileNotFoundException("no object " + key + " in " + url()))
                    .size();
            if (offset >= size) return InputStream.nullInputStream();
            req.range("bytes=" + offset + "-");
        }
        try {
            return s3.getObject(req.build());
        } catch (NoSuchKeyException e) {
            throw new FileNotFoundException("no object " + key + " in " + url());
        } catch (SdkException e) {
            throw failure("read", key, e);
        }
    }

    @Override
    public void download(String key, Path target) throws IOException {
        Path parent = target.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempFile(parent, ".get-", ".tmp");
        try {
            try (InputStream in = open(key, 0)) {
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    @Override
    public List<ObjectInfo> list(String listPrefix) throws IOException {
        String p = prefix + ObjectKeys.checkPrefix(listPrefix);
        List<ObjectInfo> out = new ArrayList<>();
        try {
            for (S3Object o :
                    s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(p)).contents()) {
                out.add(new ObjectInfo(o.key().substring(prefix.length()), o.size(), o.lastModified()));
            }
        } catch (SdkException e) {
            throw failure("list", listPrefix, e);
        }
        return out; // S3 lists in UTF-8 binary key order, which is what the contract promises
    }

    @Override
    public void delete(String key) throws IOException {
        String k = full(key);
        call("delete", key, () -> s3.deleteObject(b -> b.bucket(bucket).key(k)));
    }

    @Override
    public int deleteAll(String listPrefix) throws IOException {
        List<ObjectInfo> all = list(listPrefix);
        // DeleteObjects takes up to 1,000 keys a request.
        for (int i = 0; i < all.size(); i += 1000) {
            List<ObjectIdentifier> ids = all.subList(i, Math.min(all.size(), i + 1000)).stream()
                    .map(o -> ObjectIdentifier.builder().key(prefix + o.key()).build())
                    .toList();
            call(
                    "delete",
                    listPrefix,
                    () -> s3.deleteObjects(b -> b.bucket(bucket)
                            .delete(Delete.builder().objects(ids).quiet(true).build())));
        }
        return all.size();
    }

    @Override
    public void close() {
        s3.close();
    }

    private void call(String op, String key, Runnable r) throws IOException {
        try {
            r.run();
        } catch (SdkException e) {
            throw failure(op, key, e);
        }
    }

    private IOException failure(String op, String key, SdkException e) {
        return new IOException("S3 " + op + " of '" + key + "' in " + url() + " failed: " + e.getMessage(), e);
    }
}
