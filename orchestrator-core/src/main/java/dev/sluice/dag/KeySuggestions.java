package dev.sluice.dag;

import java.util.Collection;

/** "Did you mean" for unknown keys: a typo must be reported, and reported helpfully. */
final class KeySuggestions {
    private KeySuggestions() {}

    static String unknownKey(String key, Collection<String> valid) {
        String closest = closest(key, valid);
        if (closest != null) return "unknown key '" + key + "' (did you mean '" + closest + "'?)";
        return "unknown key '" + key + "' (valid keys: " + String.join(", ", valid) + ")";
    }

    /** The valid key nearest to {@code key}, or null when none is close enough to be a plausible typo. */
    static String closest(String key, Collection<String> valid) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : valid) {
            int d = distance(key.toLowerCase(java.util.Locale.ROOT), candidate);
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        int allowed = Math.max(2, key.length() / 3);
        return bestDistance <= allowed ? best : null;
    }

    /** Levenshtein distance. */
    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
