package dev.sluice.template;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Fills the value holes of a rendered bash command so that bash reads each value back as exactly its text, whatever
 * quotes the DAG author wrote around it. A small scanner follows bash's quoting as it reads the author's text: plain
 * code, {@code '…'}, {@code "…"}, {@code $'…'}, {@code $( )} and subshells, {@code ${ }}, arithmetic, backticks,
 * comments and here-documents. Each value is escaped for the context it lands in:
 * <ul>
 *   <li>plain code: {@code 'value'}, with each {@code '} written {@code '\''} (one word, no expansion);</li>
 *   <li>inside the author's {@code '…'}: {@code '} becomes {@code '\''};</li>
 *   <li>inside {@code "…"} or an unquoted here-document: {@code \ $ ` "} get a backslash;</li>
 *   <li>inside {@code $'…'}: {@code \} and {@code '} get a backslash;</li>
 *   <li>in a comment: newlines become spaces, so the value cannot end the comment.</li>
 * </ul>
 * Where no escaping is safe the render is refused with a message: a value in backticks, in arithmetic unless it is an
 * integer, right after a {@code $} or a backslash, inside {@code "${ }"}, in a here-document delimiter, or one that
 * would end a here-document. What a value means to the command it reaches is the author's business: a value given
 * to {@code eval}, {@code bash -c} or {@code ssh} is code again, and bash evaluates {@code $((x))} on a variable.
 */
final class ShellQuoting {
    private static final Pattern INTEGER = Pattern.compile("[+-]?[0-9]+");
    private static final Set<String> COMMAND_KEYWORDS =
            Set.of("then", "do", "else", "elif", "if", "while", "until", "!", "{", "}", "time", "&&", "||");
    /** Appended to a word being read when it has quoted or printed parts: such a word is never a keyword. */
    private static final char NOT_A_KEYWORD = '\u0001';

    private ShellQuoting() {}

    static String substitute(String text, PrintedValues values) {
        if (values.isEmpty()) return text;
        return new Scanner(text, values).run();
    }

    /** {@code 'value'} with each {@code '} closed, escaped and reopened: one word, nothing expanded. */
    static String singleQuoted(String value) {
        return "'" + value.replace("'", "'\\''") + "'";
    }

    static Set<String> quotedForms(String v) {
        Set<String> forms = new LinkedHashSet<>();
        forms.add(singleQuoted(v));
        forms.add(v.replace("'", "'\\''"));
        forms.add(doubleQuoted(v));
        forms.add(ansiQuoted(v));
        forms.add(hereDocument(v));
        forms.add(v);
        return forms;
    }

    private static String doubleQuoted(String v) {
        StringBuilder sb = new StringBuilder(v.length() + 8);
        for (char c : v.toCharArray()) {
            if (c == '\\' || c == '$' || c == '`' || c == '"') sb.append('\\');
            sb.append(c);
        }
        return sb.toString();
    }

    private static String hereDocument(String v) {
        StringBuilder sb = new StringBuilder(v.length() + 8);
        for (char c : v.toCharArray()) {
            if (c == '\\' || c == '$' || c == '`') sb.append('\\');
            sb.append(c);
        }
        return sb.toString();
    }

    private static String ansiQuoted(String v) {
        return v.replace("\\", "\\\\").replace("'", "\\'");
    }

    private enum Kind {
        CODE,
        SINGLE,
        ANSI,
        DOUBLE,
        PARAM,
        ARITH,
        BACKTICK,
        COMMENT,
        HEREDOC
    }

    /** Where a {@code case} statement's reading stands, for telling a pattern's {@code )} from a closing one. */
    private enum Case {
        EXPECT_IN,
        PATTERN,
        BODY
    }

    private record Heredoc(String delimiter, boolean quoted, boolean stripTabs) {}

    private static final class Frame {
        final Kind kind;
        boolean escaped;
        // CODE
        boolean substitution; // opened by $( and closed by its )
        int parens;
        boolean wordStart = true;
        boolean commandStart = true;
        final StringBuilder word = new StringBuilder();
        final Deque<Case> cases = new ArrayDeque<>();
        final List<Heredoc> pending = new ArrayList<>();
        // ARITH: "))" or "]"; PARAM: nested braces
        String closer;
        int braces;
        // HEREDOC
        Heredoc heredoc;
        int lineStart;
        boolean lineHasValue;

        Frame(Kind kind) {
            this.kind = kind;
        }
    }

    private static final class Scanner extends ValueHoleScanner {
        private final Deque<Frame> stack = new ArrayDeque<>();
        /** Position in {@code out} of the last {@code $} written as the author's text (not escaped, not a value). */
        private int literalDollar = -1;

        Scanner(String text, PrintedValues values) {
            super(
                    text,
                    values,
                    "shell command",
                    "pass it in an environment variable such as \"$SLUICE_PARAM_NAME\", or use | raw for trusted code");
            stack.push(new Frame(Kind.CODE));
        }

        // ---- values

        @Override
        protected void value(String v) {
            if (v.indexOf('\0') >= 0) throw refuse("it contains a NUL character, which bash cannot hold");
            Frame f = stack.peek();
            if (f.escaped) throw refuse("it follows a backslash");
            boolean afterDollar = literalDollar >= 0 && literalDollar == out.length() - 1;
            switch (f.kind) {
                case CODE -> {
                    if (afterDollar) throw refuse("it follows a $, which would make it $'…' or a variable name");
                    f.wordStart = false;
                    f.word.append(NOT_A_KEYWORD);
                    appendValue(singleQuoted(v));
                }
                case SINGLE -> appendValue(v.replace("'", "'\\''"));
                case ANSI -> appendValue(ansiQuoted(v));
                case DOUBLE -> {
                    if (afterDollar) throw refuse("it follows a $, which would make it a variable name");
                    appendValue(doubleQuoted(v));
                }
                case PARAM -> {
                    if (afterDollar) throw refuse("it follows a $, which would make it a variable name");
                    if (insideDoubleQuotes()) throw refuse("bash has no reliable quoting inside \"${…}\"");
                    appendValue(singleQuoted(v));
                }
                case ARITH -> {
                    if (!INTEGER.matcher(v).matches()) {
                        throw refuse(
                                "bash evaluates arithmetic and array indexes as code, so only an integer may stand there, got \""
                                        + abbreviate(v) + "\"");
                    }
                    appendValue(v);
                }
                case BACKTICK -> throw refuse("it is inside backticks (use $( ) instead)");
                case COMMENT -> appendValue(v.replace('\n', ' '));
                case HEREDOC -> {
                    if (f.heredoc.quoted()) {
                        appendValue(v);
                    } else {
                        if (afterDollar) throw refuse("it follows a $, which would make it a variable name");
                        appendValue(hereDocument(v));
                    }
                }
            }
        }

        private static String abbreviate(String v) {
            return v.length() > 40 ? v.substring(0, 40) + "…" : v;
        }

        private boolean insideDoubleQuotes() {
            boolean first = true;
            for (Frame f : stack) {
                if (first) {
                    first = false;
                    continue;
                }
                if (f.kind == Kind.DOUBLE || f.kind == Kind.HEREDOC) return true;
                if (f.kind == Kind.CODE) return false;
            }
            return false;
        }

        /** Appends a value's escaped text; a here-document must not see a value-made line equal to its delimiter. */
        private void appendValue(String s) {
            Frame h = heredoc();
            if (h == null) {
                out.append(s);
                return;
            }
            h.lineHasValue = true;
            for (int k = 0; k < s.length(); k++) {
                char c = s.charAt(k);
                if (c == '\n') {
                    lineEnd();
                    h = heredoc();
                    if (h == null) {
                        out.append(s, k + 1, s.length());
                        return;
                    }
                    h.lineHasValue = true;
                } else {
                    out.append(c);
                }
            }
        }

        // ---- the author's text

        @Override
        protected void step() {
            step(stack.peek());
        }

        private void step(Frame f) {
            switch (f.kind) {
                case CODE -> code(f);
                case SINGLE -> {
                    char c = take();
                    if (c == '\'') stack.pop();
                    else if (c == '\n') {
                        i--;
                        newlineInText();
                        return;
                    }
                    out.append(c);
                }
                case ANSI -> {
                    char c = peekChar();
                    if (c == '\n') {
                        f.escaped = false;
                        newlineInText();
                        return;
                    }
                    take();
                    if (f.escaped) f.escaped = false;
                    else if (c == '\\') f.escaped = true;
                    else if (c == '\'') stack.pop();
                    out.append(c);
                }
                case DOUBLE -> quotedText(f, true);
                case HEREDOC -> {
                    if (f.heredoc.quoted()) {
                        if (peekChar() == '\n') newlineInText();
                        else out.append(take());
                    } else {
                        quotedText(f, false);
                    }
                }
                case PARAM -> param(f);
                case ARITH -> arith(f);
                case BACKTICK -> {
                    char c = peekChar();
                    if (c == '\n') {
                        f.escaped = false;
                        newlineInText();
                        return;
                    }
                    take();
                    if (f.escaped) f.escaped = false;
                    else if (c == '\\') f.escaped = true;
                    else if (c == '`') stack.pop();
                    out.append(c);
                }
                case COMMENT -> {
                    if (peekChar() == '\n') stack.pop(); // the enclosing code reads the newline
                    else out.append(take());
                }
            }
        }

        private char take() {
            return text.charAt(i++);
        }

        private char peekChar() {
            return text.charAt(i);
        }

        /** The character after a backslash: taken as it is, or, a newline, a line continuation. */
        private void escapedChar(Frame f, char c) {
            f.escaped = false;
            if (c == '\n') newlineInText();
            else emit(String.valueOf(c));
        }

        /** Inside "…" (double) or an unquoted here-document (not double): only \ $ ` (and " in double) matter. */
        private void quotedText(Frame f, boolean doubleQuotes) {
            char c = peekChar();
            if (f.escaped) {
                escapedChar(f, c);
                return;
            }
            switch (c) {
                case '\\' -> {
                    f.escaped = true;
                    emit("\\");
                }
                case '"' -> {
                    emit("\"");
                    if (doubleQuotes) stack.pop();
                }
                case '$' -> dollar(f);
                case '`' -> {
                    emit("`");
                    stack.push(new Frame(Kind.BACKTICK));
                }
                case '\n' -> newlineInText();
                default -> emit(String.valueOf(c));
            }
        }

        /** {@code $} in code, "…", ${ }, arithmetic or an unquoted here-document. */
        private void dollar(Frame f) {
            if (f.kind == Kind.CODE && at("$'")) {
                emit("$'");
                stack.push(new Frame(Kind.ANSI));
            } else if (f.kind == Kind.CODE && at("$\"")) {
                emit("$\"");
                stack.push(new Frame(Kind.DOUBLE));
            } else if (at("$((")) {
                emit("$((");
                Frame a = new Frame(Kind.ARITH);
                a.closer = "))";
                stack.push(a);
            } else if (at("$(")) {
                emit("$(");
                Frame c = new Frame(Kind.CODE);
                c.substitution = true;
                stack.push(c);
            } else if (at("${")) {
                emit("${");
                stack.push(new Frame(Kind.PARAM));
            } else if (at("$[")) {
                emit("$[");
                Frame a = new Frame(Kind.ARITH);
                a.closer = "]";
                stack.push(a);
            } else {
                emit("$");
                literalDollar = out.length() - 1;
            }
            if (f.kind == Kind.CODE) {
                f.wordStart = false;
                f.word.append(NOT_A_KEYWORD);
            }
        }

        private void code(Frame f) {
            char c = peekChar();
            if (f.escaped) {
                if (c != '\n') f.word.append(NOT_A_KEYWORD);
                escapedChar(f, c);
                return;
            }
            switch (c) {
                case '\\' -> {
                    f.escaped = true;
                    f.wordStart = false;
                    emit("\\");
                }
                case '\'' -> open(f, "'", Kind.SINGLE);
                case '"' -> open(f, "\"", Kind.DOUBLE);
                case '`' -> open(f, "`", Kind.BACKTICK);
                case '$' -> dollar(f);
                case '#' -> {
                    if (f.wordStart) {
                        emit("#");
                        stack.push(new Frame(Kind.COMMENT));
                    } else {
                        f.word.append(c);
                        emit("#");
                    }
                }
                case '(' -> {
                    boolean arithmetic = f.wordStart && at("((");
                    endWord(f);
                    if (arithmetic) {
                        emit("((");
                        Frame a = new Frame(Kind.ARITH);
                        a.closer = "))";
                        stack.push(a);
                        return;
                    }
                    // case x in (a) ...: an optional ( before a pattern opens nothing
                    if (f.cases.peek() != Case.PATTERN) f.parens++;
                    emit("(");
                    separator(f, true);
                }
                case ')' -> {
                    endWord(f);
                    emit(")");
                    if (f.cases.peek() == Case.PATTERN) {
                        f.cases.pop();
                        f.cases.push(Case.BODY);
                    } else if (f.parens > 0) {
                        f.parens--;
                    } else if (f.substitution) {
                        stack.pop();
                        return;
                    }
                    separator(f, true);
                }
                case '<' -> {
                    endWord(f);
                    if (at("<<<")) emit("<<<");
                    else if (at("<<")) heredocOperator(f);
                    else emit("<");
                    separator(f, false);
                }
                case '>' -> {
                    endWord(f);
                    emit(">");
                    separator(f, false);
                }
                case '\n' -> {
                    endWord(f);
                    newlineInText();
                    separator(f, true);
                    if (!f.pending.isEmpty() && stack.peek() == f) {
                        for (int k = f.pending.size() - 1; k >= 0; k--) {
                            Frame h = new Frame(Kind.HEREDOC);
                            h.heredoc = f.pending.get(k);
                            h.lineStart = out.length();
                            stack.push(h);
                        }
                        f.pending.clear();
                    }
                }
                case ' ', '\t' -> {
                    endWord(f);
                    emit(String.valueOf(c));
                    f.wordStart = true;
                }
                case ';', '&', '|' -> {
                    endWord(f);
                    if (f.cases.peek() == Case.BODY && (at(";;&") || at(";;") || at(";&"))) {
                        emit(at(";;&") ? ";;&" : at(";;") ? ";;" : ";&");
                        f.cases.pop();
                        f.cases.push(Case.PATTERN);
                        f.wordStart = true;
                        return;
                    }
                    emit(String.valueOf(c));
                    separator(f, true);
                }
                default -> {
                    f.wordStart = false;
                    f.word.append(c);
                    emit(String.valueOf(c));
                }
            }
        }

        private void open(Frame f, String quote, Kind kind) {
            f.wordStart = false;
            f.word.append(NOT_A_KEYWORD);
            emit(quote);
            stack.push(new Frame(kind));
        }

        private void separator(Frame f, boolean commandFollows) {
            f.wordStart = true;
            if (commandFollows) f.commandStart = true;
        }

        /** A finished word: {@code case}, {@code in} and {@code esac} change how a later {@code )} reads. */
        private void endWord(Frame f) {
            if (f.word.isEmpty()) return;
            String w = f.word.toString();
            f.word.setLength(0);
            Case state = f.cases.peek();
            if (f.commandStart && w.equals("case")) {
                f.cases.push(Case.EXPECT_IN);
                f.commandStart = false;
            } else if (state == Case.EXPECT_IN && w.equals("in")) {
                f.cases.pop();
                f.cases.push(Case.PATTERN);
            } else if ((state == Case.PATTERN || (state == Case.BODY && f.commandStart)) && w.equals("esac")) {
                f.cases.pop();
                f.commandStart = false;
            } else {
                f.commandStart = f.commandStart && COMMAND_KEYWORDS.contains(w);
            }
        }

        /** {@code <<WORD} or {@code <<-WORD}: the body starts after this line; a quoted WORD means no expansion. */
        private void heredocOperator(Frame f) {
            emit("<<");
            boolean stripTabs = false;
            if (i < text.length() && peekChar() == '-') {
                stripTabs = true;
                emit("-");
            }
            while (i < text.length() && (peekChar() == ' ' || peekChar() == '\t')) emit(String.valueOf(peekChar()));
            StringBuilder delimiter = new StringBuilder();
            boolean quoted = false;
            while (i < text.length()) {
                char c = peekChar();
                if (c == PrintedValues.START) throw refuse("it is a here-document delimiter");
                if (" \t\n;&|<>()".indexOf(c) >= 0) break;
                if (c == '\'' || c == '"') {
                    quoted = true;
                    emit(String.valueOf(c));
                    while (i < text.length() && peekChar() != c) {
                        if (peekChar() == PrintedValues.START) throw refuse("it is a here-document delimiter");
                        delimiter.append(peekChar());
                        emit(String.valueOf(peekChar()));
                    }
                    if (i < text.length()) emit(String.valueOf(c));
                } else if (c == '\\') {
                    quoted = true;
                    emit("\\");
                    if (i < text.length()) {
                        if (peekChar() == PrintedValues.START) throw refuse("it is a here-document delimiter");
                        delimiter.append(peekChar());
                        emit(String.valueOf(peekChar()));
                    }
                } else {
                    delimiter.append(c);
                    emit(String.valueOf(c));
                }
            }
            if (!delimiter.isEmpty()) f.pending.add(new Heredoc(delimiter.toString(), quoted, stripTabs));
        }

        private void param(Frame f) {
            char c = peekChar();
            if (f.escaped) {
                escapedChar(f, c);
                return;
            }
            switch (c) {
                case '\\' -> {
                    f.escaped = true;
                    emit("\\");
                }
                case '\'' -> {
                    emit("'");
                    stack.push(new Frame(Kind.SINGLE));
                }
                case '"' -> {
                    emit("\"");
                    stack.push(new Frame(Kind.DOUBLE));
                }
                case '`' -> {
                    emit("`");
                    stack.push(new Frame(Kind.BACKTICK));
                }
                case '$' -> dollar(f);
                case '{' -> {
                    f.braces++;
                    emit("{");
                }
                case '}' -> {
                    emit("}");
                    if (f.braces > 0) f.braces--;
                    else stack.pop();
                }
                case '[' -> { // an array index: arithmetic, where bash would run $( ) hidden in a quoted value
                    emit("[");
                    Frame a = new Frame(Kind.ARITH);
                    a.closer = "]";
                    stack.push(a);
                }
                case '\n' -> newlineInText();
                default -> emit(String.valueOf(c));
            }
        }

        private void arith(Frame f) {
            char c = peekChar();
            switch (c) {
                case '(' -> {
                    f.parens++;
                    emit("(");
                }
                case ')' -> {
                    if (f.parens == 0 && f.closer.equals("))") && at("))")) {
                        emit("))");
                        stack.pop();
                    } else {
                        if (f.parens > 0) f.parens--;
                        emit(")");
                    }
                }
                case ']' -> {
                    emit("]");
                    if (f.parens == 0 && f.closer.equals("]")) stack.pop();
                }
                case '$' -> dollar(f);
                case '"' -> {
                    emit("\"");
                    stack.push(new Frame(Kind.DOUBLE));
                }
                case '\'' -> {
                    emit("'");
                    stack.push(new Frame(Kind.SINGLE));
                }
                case '`' -> {
                    emit("`");
                    stack.push(new Frame(Kind.BACKTICK));
                }
                case '\n' -> newlineInText();
                default -> emit(String.valueOf(c));
            }
        }

        // ---- lines and here-documents

        private Frame heredoc() {
            for (Frame f : stack) if (f.kind == Kind.HEREDOC) return f;
            return null;
        }

        /** The author's newline at {@code i}. */
        private void newlineInText() {
            i++;
            lineEnd();
        }

        /**
         * Ends a line. bash reads a here-document's body line by line before anything else, so the first line equal
         * to the delimiter ends it even inside a {@code $( )} of the body; a value must not make such a line.
         */
        private void lineEnd() {
            Frame h = heredoc();
            if (h != null) {
                String line = out.substring(h.lineStart);
                if (h.heredoc.stripTabs()) line = line.replaceFirst("^\t+", "");
                if (line.equals(h.heredoc.delimiter())) {
                    if (h.lineHasValue) throw refuse("it would end the here-document <<" + h.heredoc.delimiter());
                    while (stack.pop() != h) {
                        // frames the author left open in the body close with it, as bash closes them
                    }
                    out.append('\n');
                    Frame next = stack.peek();
                    if (next.kind == Kind.HEREDOC) {
                        next.lineStart = out.length();
                        next.lineHasValue = false;
                    }
                    return;
                }
                out.append('\n');
                h.lineStart = out.length();
                h.lineHasValue = false;
                return;
            }
            out.append('\n');
        }
    }
}
