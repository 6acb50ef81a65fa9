package dev.sluice.template;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Masks the values of secret-looking keys (password, token, secret, api key, authorization, credentials), and
 * any value read from {@code secrets}, in a rendered config before it is stored and shown: templates pull values
 * from params, and a token passed as a param must not end up readable by every viewer of the task page. The same
 * rule masks a run's params with secret-looking names wherever a run is shown (API answers, the audit log).
 */
public final class SecretMask {
    public static final String MASK = "***";
    private static final Pattern SECRET = Pattern.compile(
            "(?i).*(password|passwd|secret|token|api[_-]?key|authorization|credential|private[_-]?key).*");

    private SecretMask() {}

    /** Whether a config key or param name looks like it holds a secret ({@code api_token}, {@code db_password}). */
    public static boolean isSecretName(String name) {
        return SECRET.matcher(name).matches();
    }

    public static Map<String, Object> mask(Map<String, Object> config) {
        return mask(config, Set.of());
    }

    /** Also replaces, anywhere in a text value, the {@code secrets} a template read (see {@link Secrets}). */
    public static Map<String, Object> mask(Map<String, Object> config, Set<String> secrets) {
        Map<String, Object> out = new LinkedHashMap<>();
        config.forEach((k, v) -> out.put(k, SECRET.matcher(k).matches() && v != null ? MASK : maskValue(v, secrets)));
        return out;
    }

    private static Object maskValue(Object v, Set<String> secrets) {
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> copy = new LinkedHashMap<>();
            m.forEach((k, x) -> copy.put(String.valueOf(k), x));
            return mask(copy, secrets);
        }
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>(l.size());
            for (Object x : l) out.add(maskValue(x, secrets));
            return out;
        }
        if (v instanceof String s) return Secrets.mask(s, secrets);
        return v;
    }
}
