package dev.sluice.ml.registry;

import java.util.Map;

/** A model name with its latest version number and where its aliases point (alias -> version number). */
public record RegisteredModel(String name, String description, int latestVersion, Map<String, Integer> aliases) {}
