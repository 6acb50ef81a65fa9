package dev.sluice.storage;

import java.io.IOException;
import java.net.URI;
import java.util.Map;

/**
 * Opens stores for a URL scheme; found with ServiceLoader, so core carries no cloud SDK (the S3 store lives in the
 * storage-s3 module).
 */
public interface ObjectStoreProvider {
    /** The URL scheme this provider opens, e.g. "s3". */
    String scheme();

    /** Opens the store at {@code url}; {@code settings} are Sluice's settings (environment), never logged. */
    ObjectStore open(URI url, Map<String, String> settings) throws IOException;
}
