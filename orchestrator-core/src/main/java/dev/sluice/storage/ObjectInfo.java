package dev.sluice.storage;

import java.time.Instant;

/** One stored object: its key, size in bytes and last modification. */
public record ObjectInfo(String key, long size, Instant modified) {}
