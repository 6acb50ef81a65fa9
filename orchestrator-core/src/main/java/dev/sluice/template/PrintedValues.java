package dev.sluice.template;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The values one render of a code template printed, each replaced in Pebble's output by a placeholder that only
 * this render can produce: private-use delimiters around a random nonce and the value's index. The quoting step
 * then sees the author's text with holes in it, works out the quoting context of each hole, and fills it. A value
 * cannot forge a placeholder (values never reach the scanned text) and a template author would have to guess the
 * nonce.
 */
final class PrintedValues {
    static final char START = '\uE000';
    static final char END = '\uE001';
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Set for the duration of one code render: Pebble's escaping strategies get no render context of their own. */
    private static final ThreadLocal<PrintedValues> CURRENT = new ThreadLocal<>();

    private final String nonce;
    private final List<String> values = new ArrayList<>();

    PrintedValues() {
        byte[] b = new byte[12];
        RANDOM.nextBytes(b);
        nonce = HexFormat.of().formatHex(b);
    }

    /** The escaping strategy of code templates: remembers {@code value} and prints its placeholder. */
    static String mark(String value) {
        PrintedValues current = CURRENT.get();
        if (current == null) throw new IllegalStateException("a code template was rendered outside TemplateRenderer");
        current.values.add(value);
        return START + current.nonce + (current.values.size() - 1) + END;
    }

    void bind() {
        CURRENT.set(this);
    }

    static void unbind() {
        CURRENT.remove();
    }

    boolean isEmpty() {
        return values.isEmpty();
    }

    /**
     * If a placeholder starts at {@code at}, its value's index; -1 if {@code at} holds no placeholder start. A
     * start character that is not one of ours (a template author typed U+E000) is refused: the quoting would
     * otherwise be unsure which text is a value.
     */
    int indexAt(CharSequence text, int at) {
        if (text.charAt(at) != START) return -1;
        int p = at + 1;
        if (!text.subSequence(p, Math.min(text.length(), p + nonce.length()))
                .toString()
                .equals(nonce)) {
            throw new QuotingException("the template contains the reserved character U+E000");
        }
        p += nonce.length();
        int index = 0;
        int digits = 0;
        while (p < text.length() && Character.isDigit(text.charAt(p))) {
            index = index * 10 + (text.charAt(p++) - '0');
            digits++;
        }
        if (digits == 0 || p >= text.length() || text.charAt(p) != END || index >= values.size()) {
            throw new QuotingException("a printed value was altered after printing (a filter applied after escape?)");
        }
        return index;
    }

    /** Length of the placeholder of value {@code index}. */
    int placeholderLength(int index) {
        return 2 + nonce.length() + String.valueOf(index).length();
    }

    String value(int index) {
        return values.get(index);
    }

    /** Refused quoting: the message says which value and why; the renderer adds the template. */
    static final class QuotingException extends RuntimeException {
        QuotingException(String message) {
            super(message);
        }
    }
}
