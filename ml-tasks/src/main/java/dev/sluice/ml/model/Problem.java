package dev.sluice.ml.model;

import java.util.Locale;

/** Binary classification (the model gives P(positive class)) or regression (the model gives a value). */
public enum Problem {
    CLASSIFICATION, REGRESSION;

    public static Problem parse(String s) {
        return valueOf(s.toUpperCase(Locale.ROOT));
    }

    public String lower() {
        return name().toLowerCase(Locale.ROOT);
    }
}
