package dev.sluice.schedule;

import java.time.Instant;

/** A data interval [start, end): its run is created at {@code end} with logical date {@code start}. */
public record Interval(Instant start, Instant end) {}
