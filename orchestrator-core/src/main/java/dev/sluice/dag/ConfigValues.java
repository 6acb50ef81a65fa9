package dev.sluice.dag;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Brings free-form values (task config, param defaults) to one canonical shape: whole numbers as Integer when they
 * fit (else Long), other numbers as Double, nested maps and lists unmodifiable. Without this a DAG built in Java
 * with {@code 5L}, one read from YAML ({@code 5}) and one read back from JSON would not compare equal.
 */
public final class ConfigValues {
    private ConfigValues() {}

    public static Object normalize(Object v) {
        if (v instanceof Integer || v instanceof Short || v instanceof Byte) return ((Number) v).intValue();
        if (v instanceof Long l) return l == l.intValue() ? (Object) l.intValue() : l;
        if (v instanceof BigInteger b) return b.bitLength() < 64 ? normalize(b.longValue()) : b.doubleValue();
        if (v instanceof Float || v instanceof Double || v instanceof BigDecimal) return ((Number) v).doubleValue();
        if (v instanceof Map<?, ?> m) return normalizeMap(m);
        if (v instanceof List<?> list) {
            List<Object> out = new ArrayList<>(list.size());
            for (Object o : list) out.add(normalize(o));
            return Collections.unmodifiableList(out);
        }
        return v;
    }

    /** Keys become strings; LinkedHashMap because config values may legitimately be null. */
    public static Map<String, Object> normalizeMap(Map<?, ?> m) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) out.put(String.valueOf(e.getKey()), normalize(e.getValue()));
        return Collections.unmodifiableMap(out);
    }
}
