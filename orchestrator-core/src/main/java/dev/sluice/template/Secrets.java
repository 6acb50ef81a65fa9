package dev.sluice.template;

import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/**
 * The {@code secrets} template variable: {@code {{ secrets.API_TOKEN }}} reads the worker's environment variable
 * {@code SLUICE_SECRET_API_TOKEN} when the attempt renders its config. The value never travels through the
 * database (unlike a param), and every value a template read is remembered so the rendered config and the task's
 * log can show {@code ***} in its place. Secrets cannot be listed: only a named one is read.
 */
public final class Secrets extends AbstractMap<String, Object> {
    public static final String ENV_PREFIX = "SLUICE_SECRET_";

    private final UnaryOperator<String> source;
    private final Set<String> used = ConcurrentHashMap.newKeySet();

    public Secrets(UnaryOperator<String> source) {
        this.source = source;
    }

    /** Environment variables, each overridable by a system property of the same name (tests, embedding). */
    public static Secrets fromEnvironment() {
        return new Secrets(Secrets::lookup);
    }

    /** The secret {@code name}: {@code SLUICE_SECRET_<name>} as a system property, else as an environment variable. */
    public static String lookup(String name) {
        String key = ENV_PREFIX + name;
        String v = System.getProperty(key);
        return v != null ? v : System.getenv(key);
    }

    @Override
    public boolean containsKey(Object key) {
        return key instanceof String k && source.apply(k) != null;
    }

    @Override
    public Object get(Object key) {
        if (!(key instanceof String k)) return null;
        String v = source.apply(k);
        if (v != null && !v.isEmpty()) used.add(v);
        return v;
    }

    /** Empty: a template may read a secret by name, never enumerate them. */
    @Override
    public Set<Entry<String, Object>> entrySet() {
        return Collections.emptySet();
    }

    /** The values templates read so far, to be masked wherever they would be shown. */
    public Set<String> used() {
        return Set.copyOf(used);
    }

    /** {@code text} with every occurrence of a read secret replaced by {@link SecretMask#MASK}. */
    public static String mask(String text, Set<String> values) {
        if (text == null || values.isEmpty()) return text;
        String out = text;
        // Longest first: a quoted form of a secret ('it'\''s') contains shorter forms that would leave pieces behind.
        List<String> byLength = new ArrayList<>(values);
        byLength.sort(Comparator.comparingInt(String::length).reversed());
        for (String v : byLength) if (!v.isEmpty()) out = out.replace(v, SecretMask.MASK);
        return out;
    }

    @Override
    public String toString() {
        return "{}";
    }

    @Override
    public boolean equals(Object o) {
        return this == o;
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(this);
    }
}
