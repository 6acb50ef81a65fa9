package dev.sluice.ml.registry;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;

/** One registered version of a named model: its bundle, input schema, metrics and lineage. */
public record ModelVersion(
        long id,
        String modelName,
        int version,
        String bundleRef,
        String algorithm,
        String problem,
        Map<String, Object> inputSchema,
        Map<String, Object> metrics,
        Map<String, Object> details,
        OffsetDateTime createdAt) {

    /** What an ONNX model was built with (sklearn, xgboost, pytorch...), as ml.deploy recorded it; else null. */
    public String framework() {
        return details.get("framework") instanceof String f ? f : null;
    }

    /** A multiclass model's classes in the order of its probabilities (ml.deploy records them); null otherwise. */
    public List<String> classes() {
        return details.get("classes") instanceof List<?> l
                ? l.stream().map(String::valueOf).toList()
                : null;
    }
}
