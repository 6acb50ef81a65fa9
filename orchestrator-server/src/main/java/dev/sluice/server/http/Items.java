package dev.sluice.server.http;

import java.util.List;

/** A short list that is never paged (e.g. a DAG's versions). */
public record Items<T>(List<T> items) {}
