package dev.sluice.engine;

import dev.sluice.store.AssetRepository;
import dev.sluice.store.Json;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The template variable {@code triggering_asset_events}: asset URI to the list of events that triggered the run,
 * each with {@code uri}, {@code extra}, {@code source} (task or api), {@code source_dag_id}, {@code source_run_id},
 * {@code source_task_id}, {@code created_by} and {@code timestamp}. Empty for a run not triggered by assets.
 * Printed whole ({@code {{ triggering_asset_events }}}) or in parts, it renders as JSON rather than Java's map text,
 * so a task can hand it to a program as it is.
 */
final class TriggeringAssetEvents {
    private TriggeringAssetEvents() {}

    static Map<String, Object> of(Map<String, List<AssetRepository.Event>> byUri) {
        Map<String, Object> out = new JsonMap();
        byUri.forEach((uri, events) -> {
            List<Object> list = new JsonList();
            for (var e : events) {
                Map<String, Object> m = new JsonMap();
                m.put("uri", e.uri());
                m.put("extra", e.extra() == null ? new JsonMap() : copy(e.extra()));
                m.put("source", e.source());
                m.put("source_dag_id", e.sourceDagId());
                m.put("source_run_id", e.sourceRunId());
                m.put("source_task_id", e.sourceTaskId());
                m.put("created_by", e.createdBy());
                m.put("timestamp", e.timestamp().toString());
                list.add(Collections.unmodifiableMap(m));
            }
            out.put(uri, Collections.unmodifiableList(list));
        });
        return Collections.unmodifiableMap(out);
    }

    private static Map<String, Object> copy(Map<String, Object> extra) {
        Map<String, Object> m = new JsonMap();
        m.putAll(extra);
        return m;
    }

    /** A map that prints as JSON in a template. */
    private static final class JsonMap extends LinkedHashMap<String, Object> {
        @Override
        public String toString() {
            return Json.write(this);
        }
    }

    private static final class JsonList extends ArrayList<Object> {
        @Override
        public String toString() {
            return Json.write(this);
        }
    }
}
