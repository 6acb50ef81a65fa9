package dev.sluice.template;

import dev.sluice.template.PrintedValues.QuotingException;

/**
 * The walk shared by the code languages' quoting ({@link ShellQuoting}, {@link SqlQuoting}): the rendered text still
 * holds a placeholder where each printed value goes; the author's text between them is read by the language's
 * lexical scanner ({@link #step}), which tracks where it is (code, a quote, a comment…), and each value is escaped
 * for that place ({@link #value}). Reading the author's text and the values apart is what keeps a value from
 * changing how the text after it is read.
 */
abstract class ValueHoleScanner {
    protected final String text;
    protected final StringBuilder out;
    /** Position in {@link #text} of the next character to read. */
    protected int i;

    private final PrintedValues values;
    private final String language;
    private final String advice;

    /**
     * @param language what the text is, for messages ("SQL", "shell command")
     * @param advice what the author can do instead, ending the refusal message
     */
    ValueHoleScanner(String text, PrintedValues values, String language, String advice) {
        this.text = text;
        this.values = values;
        this.language = language;
        this.advice = advice;
        this.out = new StringBuilder(text.length() + 32);
    }

    final String run() {
        while (i < text.length()) {
            int index = values.indexAt(text, i);
            if (index >= 0) {
                value(values.value(index));
                i += values.placeholderLength(index);
            } else {
                step();
            }
        }
        return out.toString();
    }

    /** Appends a value, escaped for the lexical state the scanner is in, or refuses it. */
    protected abstract void value(String v);

    /** Reads (and copies to {@link #out}) the author's text at {@link #i}, at least one character. */
    protected abstract void step();

    protected final boolean at(String s) {
        return text.startsWith(s, i);
    }

    protected final void emit(String s) {
        out.append(s);
        i += s.length();
    }

    /** A refusal naming the line of the rendered text (as written so far) the value would have landed on. */
    protected final QuotingException refuse(String why) {
        int line = 1;
        for (int k = 0; k < out.length(); k++) if (out.charAt(k) == '\n') line++;
        return new QuotingException("cannot quote a {{ }} value on line " + line + " of the " + language + ": " + why
                + " (" + advice + ")");
    }
}
