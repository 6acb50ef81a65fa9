package dev.sluice.ml.data;

import java.util.Locale;

/** The column types the ML tasks distinguish. Everything numeric is a NUMBER; dates and times are TIMESTAMP. */
public enum ColumnType {
    NUMBER("DOUBLE"), STRING("VARCHAR"), BOOLEAN("BOOLEAN"), TIMESTAMP("TIMESTAMP");

    private final String duckDbType;

    ColumnType(String duckDbType) {
        this.duckDbType = duckDbType;
    }

    public String duckDbType() {
        return duckDbType;
    }

    /** Maps a DuckDB type name ({@code BIGINT}, {@code DECIMAL(10,2)}, {@code TIMESTAMP WITH TIME ZONE}...). */
    public static ColumnType fromDuckDb(String type) {
        String t = type.toUpperCase(Locale.ROOT);
        if (t.startsWith("VARCHAR") || t.equals("UUID") || t.startsWith("ENUM")) return STRING;
        if (t.equals("BOOLEAN")) return BOOLEAN;
        if (t.startsWith("DATE") || t.startsWith("TIMESTAMP") || t.startsWith("TIME")) return TIMESTAMP;
        if (t.matches("(U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?|FLOAT|DOUBLE|REAL|DECIMAL.*|NUMERIC.*)")) return NUMBER;
        throw new IllegalArgumentException("unsupported column type " + type);
    }

    public static ColumnType parse(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "number", "numeric", "double", "float", "int", "integer", "bigint" -> NUMBER;
            case "string", "text", "varchar", "category", "categorical" -> STRING;
            case "boolean", "bool" -> BOOLEAN;
            case "timestamp", "date", "datetime" -> TIMESTAMP;
            default -> throw new IllegalArgumentException("unknown column type \"" + name
                    + "\" (use number, string, boolean or timestamp)");
        };
    }

    public String lower() {
        return name().toLowerCase(Locale.ROOT);
    }
}
