package dev.sluice.dag;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.regex.Pattern;

/**
 * What an asset URI may be: an absolute URI with a scheme ({@code s3://bucket/sales.parquet},
 * {@code postgres://dw/public/orders}, {@code dataset:sales}), compared as written (case and trailing slashes
 * matter). Shared by the DAG validator and the API, so a URI a DAG may name is exactly one the API accepts.
 */
public final class AssetUris {
    /** As the {@code asset.uri} column. */
    public static final int MAX_LENGTH = 1000;

    private static final Pattern SCHEME = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*");

    private AssetUris() {}

    /** Null when {@code uri} is a valid asset URI, else why not. */
    public static String problem(String uri) {
        if (uri == null || uri.isBlank()) return "must be a URI such as s3://bucket/key, got an empty string";
        if (uri.length() > MAX_LENGTH) return "must be at most " + MAX_LENGTH + " characters, got " + uri.length();
        for (int i = 0; i < uri.length(); i++) {
            char c = uri.charAt(i);
            if (Character.isWhitespace(c) || Character.isISOControl(c))
                return "must not contain spaces or control characters: \"" + uri + "\"";
        }
        // Asset URIs are identities compared as text: a template would make the identity differ per run.
        if (uri.contains("{{") || uri.contains("{%")) return "must be a fixed URI, not a template: \"" + uri + "\"";
        try {
            URI parsed = new URI(uri);
            if (parsed.getScheme() == null
                    || !SCHEME.matcher(parsed.getScheme()).matches())
                return "must start with a scheme such as s3:// or postgres://, got \"" + uri + "\"";
        } catch (URISyntaxException e) {
            return "is not a valid URI (" + e.getReason() + " at index " + e.getIndex() + "): \"" + uri + "\"";
        }
        return null;
    }
}
