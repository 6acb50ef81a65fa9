package dev.sluice.template;

import java.util.Set;

/**
 * The language of a config field that holds code ({@code shell} command, SQL query). Templates in such a field
 * print values as data of that language: quoted for where they stand, so a param can never become code.
 * {@code {{ x | raw }}} prints a value unquoted, for DAG authors who mean it as code.
 */
public enum CodeLanguage {
    /** bash: see {@link ShellQuoting}. */
    SHELL {
        @Override
        String substitute(String text, PrintedValues values) {
            return ShellQuoting.substitute(text, values);
        }

        @Override
        public Set<String> quotedForms(String value) {
            return ShellQuoting.quotedForms(value);
        }
    },
    /** PostgreSQL and DuckDB SQL: see {@link SqlQuoting}. */
    SQL {
        @Override
        String substitute(String text, PrintedValues values) {
            return SqlQuoting.substitute(text, values);
        }

        @Override
        public Set<String> quotedForms(String value) {
            return SqlQuoting.quotedForms(value);
        }
    };

    /** {@code text} (Pebble's output with placeholders) with each placeholder replaced by its value, quoted. */
    abstract String substitute(String text, PrintedValues values);

    /** The texts {@code value} may become once quoted in this language, to mask a secret in what is shown. */
    public abstract Set<String> quotedForms(String value);
}
