package dev.sluice.template;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Fills the value holes of a rendered SQL text (PostgreSQL, DuckDB) so each value is read back as data. A scanner
 * follows SQL's lexical states in the author's text and escapes each value for where it lands:
 * <ul>
 *   <li>plain SQL: a string literal {@code 'value'} with {@code '} doubled; an unsigned decimal number stays bare, so
 *   {@code LIMIT {{ params.n }}} keeps working;</li>
 *   <li>inside the author's {@code '…'}: {@code '} doubled; inside {@code E'…'}: also {@code \} doubled;</li>
 *   <li>inside {@code "…"} (an identifier): {@code "} doubled, so {@code "{{ params.table }}"} names one table;</li>
 *   <li>inside {@code $tag$…$tag$}: refused if the value would close the quote;</li>
 *   <li>in a comment: newlines become spaces, and block-comment markers are broken up.</li>
 * </ul>
 */
final class SqlQuoting {
    // Bare only when it reads back the same as a number: 00501 stays text.
    private static final Pattern PLAIN_NUMBER = Pattern.compile("(0|[1-9][0-9]*)(\\.[0-9]+)?");
    private static final Pattern DOLLAR_TAG = Pattern.compile("\\$([A-Za-z_][A-Za-z0-9_]*)?\\$");

    private SqlQuoting() {}

    static String substitute(String text, PrintedValues values) {
        if (values.isEmpty()) return text;
        return new Scanner(text, values).run();
    }

    static String literal(String v) {
        return "'" + v.replace("'", "''") + "'";
    }

    static Set<String> quotedForms(String v) {
        Set<String> forms = new LinkedHashSet<>();
        forms.add(literal(v));
        forms.add(v.replace("'", "''"));
        forms.add(v.replace("\\", "\\\\").replace("'", "''"));
        forms.add(v.replace("\"", "\"\""));
        forms.add(v);
        return forms;
    }

    private enum State {
        CODE,
        STRING,
        ESCAPE_STRING,
        IDENTIFIER,
        DOLLAR,
        LINE_COMMENT,
        BLOCK_COMMENT
    }

    private static boolean identifierChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '$';
    }

    private static final class Scanner extends ValueHoleScanner {
        private State state = State.CODE;
        private boolean escaped;
        private String dollarTag;
        private int dollarBodyStart;
        private int commentDepth;
        /** End in {@code out} of the last value written, to tell whether a closing $tag$ overlaps one. */
        private int lastValueEnd = -1;

        Scanner(String text, PrintedValues values) {
            super(text, values, "SQL", "use | raw for trusted SQL");
        }

        @Override
        protected void value(String v) {
            if (v.indexOf('\0') >= 0) throw refuse("it contains a NUL character");
            if (escaped) throw refuse("it follows a backslash");
            int start = out.length();
            switch (state) {
                case CODE -> {
                    if (PLAIN_NUMBER.matcher(v).matches()) {
                        out.append(v);
                    } else {
                        // E'…', U&'…', X'…' would read the value with other rules: keep it a separate token
                        char before = out.isEmpty() ? ' ' : out.charAt(out.length() - 1);
                        if (identifierChar(before) || before == '&') out.append(' ');
                        out.append(literal(v));
                    }
                }
                case STRING -> out.append(v.replace("'", "''"));
                case ESCAPE_STRING -> out.append(v.replace("\\", "\\\\").replace("'", "''"));
                case IDENTIFIER -> out.append(v.replace("\"", "\"\""));
                case DOLLAR -> {
                    out.append(v);
                    String closer = "$" + dollarTag + "$";
                    int from = Math.max(dollarBodyStart, start - closer.length() + 1);
                    if (out.indexOf(closer, from) >= 0) throw refuse("it would close the quote " + closer);
                }
                case LINE_COMMENT -> out.append(v.replace('\n', ' ').replace('\r', ' '));
                case BLOCK_COMMENT -> {
                    String s = v;
                    while (s.contains("*/") || s.contains("/*"))
                        s = s.replace("*/", "* /").replace("/*", "/ *");
                    out.append(' ').append(s).append(' '); // spaces: its ends cannot join the author's * and /
                }
            }
            lastValueEnd = out.length();
        }

        @Override
        protected void step() {
            char c = text.charAt(i);
            switch (state) {
                case CODE -> code(c);
                case STRING -> {
                    if (at("''")) emit("''");
                    else {
                        emit(String.valueOf(c));
                        if (c == '\'') state = State.CODE;
                    }
                }
                case ESCAPE_STRING -> {
                    if (escaped) {
                        escaped = false;
                        emit(String.valueOf(c));
                    } else if (c == '\\') {
                        escaped = true;
                        emit("\\");
                    } else if (at("''")) {
                        emit("''");
                    } else {
                        emit(String.valueOf(c));
                        if (c == '\'') state = State.CODE;
                    }
                }
                case IDENTIFIER -> {
                    if (at("\"\"")) emit("\"\"");
                    else {
                        emit(String.valueOf(c));
                        if (c == '"') state = State.CODE;
                    }
                }
                case DOLLAR -> {
                    emit(String.valueOf(c));
                    String closer = "$" + dollarTag + "$";
                    if (c == '$'
                            && out.length() - closer.length() >= dollarBodyStart
                            && out.substring(out.length() - closer.length()).equals(closer)) {
                        if (out.length() - closer.length() < lastValueEnd)
                            throw refuse("it would close the quote " + closer);
                        state = State.CODE;
                    }
                }
                case LINE_COMMENT -> {
                    emit(String.valueOf(c));
                    if (c == '\n') state = State.CODE;
                }
                case BLOCK_COMMENT -> {
                    if (at("/*")) {
                        commentDepth++;
                        emit("/*");
                    } else if (at("*/")) {
                        emit("*/");
                        if (--commentDepth == 0) state = State.CODE;
                    } else {
                        emit(String.valueOf(c));
                    }
                }
            }
        }

        private void code(char c) {
            char before = out.isEmpty() ? ' ' : out.charAt(out.length() - 1);
            char beforeThat = out.length() < 2 ? ' ' : out.charAt(out.length() - 2);
            if (c == '\'') {
                boolean escapeString = (before == 'E' || before == 'e') && !identifierChar(beforeThat);
                boolean unicode = before == '&' && (beforeThat == 'U' || beforeThat == 'u');
                state = escapeString || unicode ? State.ESCAPE_STRING : State.STRING;
                emit("'");
            } else if (c == '"') {
                state = State.IDENTIFIER;
                emit("\"");
            } else if (at("--")) {
                state = State.LINE_COMMENT;
                emit("--");
            } else if (at("/*")) {
                state = State.BLOCK_COMMENT;
                commentDepth = 1;
                emit("/*");
            } else if (c == '$' && !identifierChar(before)) {
                var m = DOLLAR_TAG.matcher(text).region(i, text.length());
                if (m.lookingAt()) {
                    dollarTag = m.group(1) == null ? "" : m.group(1);
                    state = State.DOLLAR;
                    emit(m.group());
                    dollarBodyStart = out.length();
                } else {
                    emit("$");
                }
            } else {
                emit(String.valueOf(c));
            }
        }
    }
}
