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
 * instead of rendering as empty text (an empty path in {@code rm -rf {{ dir }}/} is not a risk worth taking).
 *
 * <p>A field that holds code ({@link CodeLanguage}: a shell command, SQL) prints every value as data of that
 * language, quoted for the place it stands in, so a param such as {@code a'; env; echo 'b} stays text. Each printed
 * value first becomes a placeholder (Pebble's escaping hook, see {@link PrintedValues}); then the language's quoting
 * reads the author's text, now free of values, and replaces each placeholder with its value escaped for the quotes
 * around it. {@code {{ x | raw }}} (or an {@code autoescape false} block) prints a value unquoted: for trusted DAG
 * authors who mean it as code. Other fields (paths, env values, URLs) are rendered as they are. Safe to share
 * between threads.
 */
public final class TemplateRenderer {
    private static final int CACHE_SIZE = 10_000;

    private static final String PLACEHOLDER = "sluice_value";
    /** Pebble's own strategy names: an explicit {@code | escape("html")} in a command must not bypass the quoting. */
    private static final List<String> BUILT_IN_STRATEGIES = List.of("html", "js", "css", "url_param", "json");

    private final PebbleEngine plain = builder().autoEscaping(false).build();
    private final PebbleEngine code = codeEngine();

    private static PebbleEngine.Builder builder() {
        return new PebbleEngine.Builder()
                .loader(new StringLoader())
                .strictVariables(true)
                // Pebble's default eats the newline after a tag, which would join the lines of a multi-line script.
                .newLineTrimming(false)
                .templateCache(new BoundedCache(CACHE_SIZE));
    }

    private static PebbleEngine codeEngine() {
        PebbleEngine.Builder b = builder()
                .autoEscaping(true)
                .defaultEscapingStrategy(PLACEHOLDER)
                .addEscapingStrategy(PLACEHOLDER, PrintedValues::mark);
        for (String name : BUILT_IN_STRATEGIES) b.addEscapingStrategy(name, PrintedValues::mark);
        return b.build();
    }

    /**
     * Whether a config string is a template: it prints a value ({@code {{ }}) or holds a tag ({@code {% if %}}).
     * A string with only tags is a template too: {@code --x{% if params.full %} --full{% endif %}} must not
     * reach a task as its literal text.
     */
    public static boolean isTemplate(String s) {
        return s.contains("{{") || s.contains("{%");
    }

    /**
     * Renders template strings ({@link #isTemplate}), recursing into maps and lists; other values are returned as
     * they are. A rendered template is always a string.
     */
    public Object render(Object configValue, Map<String, Object> context) {
        return render(configValue, context, null);
    }

    /** As {@link #render(Object, Map)}; with a {@code language}, printed values are quoted as its data. */
    public Object render(Object configValue, Map<String, Object> context, CodeLanguage language) {
        if (configValue instanceof String s) return isTemplate(s) ? renderString(s, context, language) : s;
        if (configValue instanceof Map<?, ?> m) {
            Map<Object, Object> out = new LinkedHashMap<>();
            m.forEach((k, v) -> out.put(k, render(v, context, language)));
            return out;
        }
        if (configValue instanceof List<?> list) {
            List<Object> out = new ArrayList<>(list.size());
            for (Object v : list) out.add(render(v, context, language));
            return out;
        }
        return configValue;
    }

    public Map<String, Object> renderConfig(Map<String, Object> config, Map<String, Object> context) {
        return renderConfig(config, context, Map.of());
    }

    /** Renders every field; those named in {@code code} are code in that language (see the class comment). */
    public Map<String, Object> renderConfig(
            Map<String, Object> config, Map<String, Object> context, Map<String, CodeLanguage> code) {
        Map<String, Object> out = new LinkedHashMap<>();
        config.forEach((k, v) -> out.put(k, render(v, context, code.get(k))));
        return out;
    }

    private String renderString(String template, Map<String, Object> context, CodeLanguage language) {
        PrintedValues printed = language == null ? null : new PrintedValues();
        try {
            PebbleTemplate compiled = (language == null ? plain : code).getTemplate(template);
            StringWriter out = new StringWriter();
            if (printed != null) printed.bind();
            try {
                compiled.evaluate(out, context);
            } finally {
                if (printed != null) PrintedValues.unbind();
            }
            return printed == null ? out.toString() : language.substitute(out.toString(), printed);
        } catch (PrintedValues.QuotingException e) {
            throw new TemplateException(template, e.getMessage(), e);
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
