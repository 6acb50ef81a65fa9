package dev.sluice.ml.data;

/** A named, typed column of a dataset. */
public record Column(String name, ColumnType type) {}
