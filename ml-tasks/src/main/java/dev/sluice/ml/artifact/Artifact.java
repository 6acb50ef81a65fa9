package dev.sluice.ml.artifact;

/**
 * An immutable file in the artifact store, identified by the sha-256 of its bytes. Task outputs carry only
 * {@link #ref()}, never the data.
 */
public record Artifact(String hash, ArtifactKind kind, String mediaType, long bytes, String uri) {
    public static final String REF_PREFIX = "sha256:";

    public String ref() {
        return REF_PREFIX + hash;
    }

    /** The hash inside a reference: {@code sha256:<hex>} or a bare 64-digit hex hash. */
    public static String hashOf(String ref) {
        if (ref == null || ref.isBlank()) throw new IllegalArgumentException("empty artifact reference");
        String h = ref.startsWith(REF_PREFIX) ? ref.substring(REF_PREFIX.length()) : ref;
        if (!h.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("not an artifact reference (expected sha256:<64 hex digits>): " + ref);
        }
        return h;
    }
}
