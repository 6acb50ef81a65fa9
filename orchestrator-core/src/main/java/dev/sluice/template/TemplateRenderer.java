package dev.sluice.template;

import io.pebbletemplates.pebble.PebbleEngine;
import io.pebbletemplates.pebble.cache.PebbleCache;
import io.pebbletemplates.pebble.error.PebbleException;
import io.pebbletemplates.pebble.loader.StringLoader;
import io.pebbletemplates.pebble.template.PebbleTemplate;
import java.io.IOException;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Renders {@code {{ }}} templates in task config with Pebble. Strict: an undefined or misspelled variable fails
 * instead of rendering as empty text (an empty path in {@code rm -rf {{ dir }}/} is not a risk worth taking). No
 * HTML auto-escaping: values go into shell commands and SQL, where {@code &amp;} would be a bug. Safe to share
 * between threads.
 */
public final class TemplateRenderer {
    private static final int CACHE_SIZE = 10_000;

    private final PebbleEngine engine = new PebbleEngine.Builder()
            .loader(new StringLoader())
            .strictVariables(true)
            .autoEscaping(false)
            // Pebble's default eats the newline after a tag, which would join the lines of a multi-line script.
            .newLineTrimming(false)
            .templateCache(new BoundedCache(CACHE_SIZE))
            .build();

    /**
     * Renders strings containing {@code {{}, recursing into maps and lists; other values are returned as they
     * are. A rendered template is always a string.
     */
    public Object render(Object configValue, Map<String, Object> context) {
        if (configValue instanceof String s) return s.contains("{{") ? renderString(s, context) : s;
        if (configValue instanceof Map<?, ?> m) {
            Map<Object, Object> out = new LinkedHashMap<>();
            m.forEach((k, v) -> out.put(k, render(v, context)));
            return out;
        }
        if (configValue instanceof List<?> list) {
            List<Object> out = new ArrayList<>(list.size());
            for (Object v : list) out.add(render(v, context));
            return out;
        }
        return configValue;
    }

    public Map<String, Object> renderConfig(Map<String, Object> config, Map<String, Object> context) {
        Map<String, Object> out = new LinkedHashMap<>();
        config.forEach((k, v) -> out.put(k, render(v, context)));
        return out;
    }

    private String renderString(String template, Map<String, Object> context) {
        try {
            PebbleTemplate compiled = engine.getTemplate(template);
            StringWriter out = new StringWriter();
            compiled.evaluate(out, context);
            return out.toString();
        } catch (PebbleException e) {
            throw new TemplateException(template, e.getPebbleMessage(), e);
        } catch (IOException | RuntimeException e) {
            throw new TemplateException(template, String.valueOf(e.getMessage()), e);
        }
    }

    /**
     * Compiled templates keyed by their text. Bounded because DAG edits keep producing new texts over a long-lived
     * process; Pebble's own map cache never forgets.
     */
    private static final class BoundedCache implements PebbleCache<Object, PebbleTemplate> {
        private final Map<Object, PebbleTemplate> map;

        BoundedCache(int max) {
            this.map = new LinkedHashMap<>(256, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<Object, PebbleTemplate> eldest) {
                    return size() > max;
                }
            };
        }

        @Override
        public PebbleTemplate computeIfAbsent(Object key, Function<? super Object, ? extends PebbleTemplate> compile) {
            synchronized (map) {
                PebbleTemplate cached = map.get(key);
                if (cached != null) return cached;
            }
            // Compile outside the lock: two threads may compile one text twice, which is harmless.
            PebbleTemplate compiled = compile.apply(key);
            synchronized (map) {
                map.put(key, compiled);
            }
            return compiled;
        }

        @Override
        public void invalidateAll() {
            synchronized (map) {
                map.clear();
            }
        }
    }
}
