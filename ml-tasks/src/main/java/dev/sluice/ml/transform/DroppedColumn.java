package dev.sluice.ml.transform;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An input column ml.preprocess deliberately leaves out of the features, with why. Kept in the fitted transform so
 * the task's output and log, the registry and serving all know it: serving accepts the column in a request and
 * ignores it, so a caller sending complete rows is not refused for a column the model does not use.
 *
 * @param type the column's type in the training split (number, string, boolean, timestamp)
 */
public record DroppedColumn(String column, String type, String reason) {

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("column", column);
        m.put("type", type);
        m.put("reason", reason);
        return m;
    }
}
