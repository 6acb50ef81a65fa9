package dev.sluice.template;

import io.pebbletemplates.pebble.PebbleEngine;
import io.pebbletemplates.pebble.loader.StringLoader;
import io.pebbletemplates.pebble.template.PebbleTemplate;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Renders {@code {{ }}} templates in task config with Pebble; strings without "{{" pass through untouched. */
public final class TemplateRenderer {
    private final PebbleEngine engine = new PebbleEngine.Builder()
            .loader(new StringLoader())
            .strictVariables(true)
            .autoEscaping(false)
            .newLineTrimming(false)
            .build();

    public Map<String, Object> renderConfig(Map<String, Object> config, Map<String, Object> context) {
        Map<String, Object> out = new LinkedHashMap<>();
        config.forEach((k, v) -> out.put(k, render(v, context)));
        return out;
    }

    @SuppressWarnings("unchecked")
    public Object render(Object value, Map<String, Object> context) {
        if (value instanceof String s && s.contains("{{")) {
            try {
                PebbleTemplate t = engine.getTemplate(s);
                StringWriter w = new StringWriter();
                t.evaluate(w, context);
                return w.toString();
            } catch (Exception e) {
                throw new TemplateException("cannot render \"" + s + "\": " + e.getMessage(), e);
            }
        }
        if (value instanceof Map<?, ?> m) return renderConfig((Map<String, Object>) m, context);
        if (value instanceof List<?> l) {
            List<Object> out = new ArrayList<>(l.size());
            for (Object o : l) out.add(render(o, context));
            return out;
        }
        return value;
    }
}
