package dev.sluice.dag;

/**
 * How big a DAG file may be: on disk ({@code SLUICE_DAG_FILE_MAX_BYTES}), and once YAML aliases are expanded. A
 * few hundred bytes of nested aliases ("billion laughs") expand to gigabytes; the expanded limits stop that before
 * anything is built from the document, and they grow with the file limit so a raised limit stays usable.
 */
public record DagFileLimits(long maxFileBytes) {
    public static final long DEFAULT_MAX_FILE_BYTES = 1L << 20;
    /** SnakeYAML counts the document in code points, with an int. */
    public static final long MAX_FILE_BYTES = Integer.MAX_VALUE;

    public static final DagFileLimits DEFAULT = new DagFileLimits(DEFAULT_MAX_FILE_BYTES);

    public DagFileLimits {
        if (maxFileBytes < 1 || maxFileBytes > MAX_FILE_BYTES) {
            throw new IllegalArgumentException(
                    "the DAG file size limit must be between 1 and " + MAX_FILE_BYTES + " bytes, got " + maxFileBytes);
        }
    }

    /** Values (scalars, lists and mappings) the document may hold once aliases are expanded: 100,000 by default. */
    public long maxValues() {
        return Math.max(100_000, maxFileBytes / 16);
    }

    /** Characters of scalar text the document may hold once aliases are expanded: 8 MiB by default. */
    public long maxChars() {
        return Math.max(8L << 20, maxFileBytes * 8);
    }
}
