package dev.sluice.storage;

/**
 * Object keys are relative paths: '/'-separated segments of printable characters, none empty, "." or "..". The
 * same rule for every store means a key that is safe on S3 can never climb out of a local store's directory.
 */
public final class ObjectKeys {
    static final int MAX_LENGTH = 1024; // S3's own limit, in bytes

    private ObjectKeys() {}

    /** Returns {@code key} when it is valid, else throws IllegalArgumentException saying what is wrong. */
    public static String check(String key) {
        if (key == null || key.isEmpty()) throw new IllegalArgumentException("object key is empty");
        if (key.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_LENGTH) {
            throw new IllegalArgumentException("object key is longer than " + MAX_LENGTH + " bytes");
        }
        if (key.startsWith("/")) throw new IllegalArgumentException("object key must be relative: " + key);
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '\\') {
                throw new IllegalArgumentException("object key holds a control character or backslash at " + i);
            }
        }
        for (String seg : key.split("/", -1)) {
            if (seg.isEmpty() || seg.equals(".") || seg.equals("..")) {
                throw new IllegalArgumentException("object key has an empty, '.' or '..' segment: " + key);
            }
        }
        return key;
    }

    /** A prefix for listing: empty, or a valid key optionally ending in '/'. */
    public static String checkPrefix(String prefix) {
        if (prefix == null || prefix.isEmpty()) return "";
        check(prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix);
        return prefix;
    }

    /** Joins segments with '/'. */
    public static String join(String... parts) {
        return check(String.join("/", parts));
    }
}
