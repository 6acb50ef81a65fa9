package dev.sluice.ml.data;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The ordered columns of a dataset; stored in {@code artifact.schema_json} as {@code {"name": "type"}}. */
public record DatasetSchema(List<Column> columns) {

    public DatasetSchema {
        columns = List.copyOf(columns);
    }

    public Optional<Column> column(String name) {
        return columns.stream().filter(c -> c.name().equals(name)).findFirst();
    }

    public List<String> names() {
        return columns.stream().map(Column::name).toList();
    }

    public List<String> namesOf(ColumnType type) {
        return columns.stream().filter(c -> c.type() == type).map(Column::name).toList();
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        for (Column c : columns) m.put(c.name(), c.type().lower());
        return m;
    }

    public static DatasetSchema fromMap(Map<String, ?> m) {
        List<Column> cs = new ArrayList<>();
        m.forEach((k, v) -> cs.add(new Column(k, ColumnType.parse(String.valueOf(v)))));
        return new DatasetSchema(cs);
    }
}
