package dev.sluice.storage;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Map;
import java.util.ServiceLoader;

/** Opens the store that {@code SLUICE_STORE_URL} names: a local directory by default, or a provider's scheme. */
public final class ObjectStores {
    private ObjectStores() {}

    /** Names a store provider may read: its own SLUICE_S3_* settings and the AWS region variables. */
    private static final java.util.List<String> SETTING_PREFIXES =
            java.util.List.of("SLUICE_S3_", "AWS_REGION", "AWS_DEFAULT_REGION");

    /**
     * The store settings of this process: the environment, each overridable by a system property of the same name
     * (as {@link dev.sluice.config.SluiceConfig#fromEnvironment()} does). Secrets are left to the SDK's own chain.
     */
    public static Map<String, String> settingsFromEnvironment() {
        Map<String, String> out = new java.util.HashMap<>();
        System.getenv().forEach((k, v) -> {
            if (SETTING_PREFIXES.stream().anyMatch(k::startsWith)) out.put(k, v);
        });
        System.getProperties().forEach((k, v) -> {
            String key = k.toString();
            if (SETTING_PREFIXES.stream().anyMatch(key::startsWith)) out.put(key, v.toString());
        });
        return out;
    }

    /**
     * @param url  null or blank for {@code defaultDir}; a path or file: URL for a local directory; s3://bucket/prefix
     *             (or another scheme a provider on the classpath opens)
     */
    public static ObjectStore open(String url, Path defaultDir, Map<String, String> settings) throws IOException {
        if (url == null || url.isBlank()) return new LocalObjectStore(defaultDir);
        if (url.startsWith("/")) return new LocalObjectStore(Path.of(url));
        URI uri;
        try {
            uri = new URI(url.trim());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("SLUICE_STORE_URL is not a URL: " + e.getMessage());
        }
        if (uri.getScheme() == null) return new LocalObjectStore(Path.of(url));
        if (uri.getScheme().equals("file")) return new LocalObjectStore(Path.of(uri));
        for (ObjectStoreProvider p : ServiceLoader.load(ObjectStoreProvider.class)) {
            if (p.scheme().equalsIgnoreCase(uri.getScheme())) return p.open(uri, settings);
        }
        throw new IllegalArgumentException("SLUICE_STORE_URL: no store for scheme '" + uri.getScheme()
                + "' (supported: file, and s3 with the storage-s3 module on the classpath)");
    }
}
