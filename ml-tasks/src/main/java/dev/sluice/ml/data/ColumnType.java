package dev.sluice.ml.data;

import java.util.Locale;

/** The column types the ML tasks distinguish. Everything numeric is a NUMBER; dates and times are TIMESTAMP. */
public enum ColumnType {
    NUMBER("DOUBLE"),
    STRING("VARCHAR"),
    BOOLEAN("BOOLEAN"),
    TIMESTAMP("TIMESTAMP");

    private final String duckDbType;

    ColumnType(String duckDbType) {
        this.duckDbType = duckDbType;
    }

    public String duckDbType() {
        return duckDbType;
    }

    /**
     * Maps a scalar DuckDB type name ({@code BIGINT}, {@code DECIMAL(10,2)}, {@code TIMESTAMP WITH TIME ZONE}...).
     * Lists ({@code VARCHAR[]}), structs, maps, unions, JSON, blobs, bits, intervals and times of day have no
     * type here: no task can encode them as features, so they are refused by name ({@link #supports}) rather
     * than passed on as something they are not (a list is not a category, a time of day is not a timestamp).
     */
    public static ColumnType fromDuckDb(String type) {
        ColumnType c = ofDuckDb(type);
        if (c == null) throw new IllegalArgumentException("unsupported column type " + type + " (" + UNSUPPORTED + ")");
        return c;
    }

    /** Whether ML datasets can hold a column of this DuckDB type. */
    public static boolean supports(String duckDbType) {
        return ofDuckDb(duckDbType) != null;
    }

    /** What {@link #fromDuckDb} refuses, for messages. */
    public static final String UNSUPPORTED =
            "lists, structs, maps, unions, JSON, blobs, bits, intervals and times of day are not supported";

    private static ColumnType ofDuckDb(String type) {
        String t = type.toUpperCase(Locale.ROOT).trim();
        // A list or array of any type ends in [] or [n]; checked first, as VARCHAR[] starts like VARCHAR.
        if (t.endsWith("]")) return null;
        if (t.startsWith("VARCHAR") || t.equals("UUID") || t.startsWith("ENUM")) return STRING;
        if (t.equals("BOOLEAN")) return BOOLEAN;
        if (t.equals("DATE") || t.startsWith("TIMESTAMP")) return TIMESTAMP;
        if (t.matches("(U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?|FLOAT|DOUBLE|REAL|DECIMAL.*|NUMERIC.*)")) return NUMBER;
        return null;
    }

    public static ColumnType parse(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "number", "numeric", "double", "float", "int", "integer", "bigint", "long" -> NUMBER;
            case "string", "text", "varchar", "category", "categorical" -> STRING;
            case "boolean", "bool" -> BOOLEAN;
            case "timestamp", "date", "datetime" -> TIMESTAMP;
            default ->
                throw new IllegalArgumentException(
                        "unknown column type \"" + name + "\" (use number, string, boolean or timestamp)");
        };
    }

    public String lower() {
        return name().toLowerCase(Locale.ROOT);
    }
}
