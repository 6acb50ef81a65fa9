package dev.sluice.server.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.BeanProperty;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.deser.ContextualDeserializer;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.fasterxml.jackson.datatype.jsr310.deser.InstantDeserializer;
import com.fasterxml.jackson.datatype.jsr310.deser.LocalDateDeserializer;
import java.io.IOException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.function.Predicate;

/**
 * The API's JSON: snake_case keys from record components, ISO-8601 times, and strict input — an unknown field, a
 * key given twice or a value of the wrong type is a 400 naming the field, never silently coerced ("yes" is not a
 * boolean), and a time outside {@link TimeRange} is refused where it is read.
 */
public final class ApiJson {
    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            // After JavaTimeModule: the later module's deserializers win.
            .addModule(supportedTimes())
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            // Last-one-wins would let {"username":"nobody","username":"admin"} mean whichever a reader picks.
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .build();

    private ApiJson() {}

    private static SimpleModule supportedTimes() {
        SimpleModule m = new SimpleModule("sluice-supported-times");
        m.addDeserializer(
                Instant.class, new InRange<>(Instant.class, InstantDeserializer.INSTANT, TimeRange::contains));
        m.addDeserializer(
                LocalDate.class, new InRange<>(LocalDate.class, LocalDateDeserializer.INSTANCE, TimeRange::contains));
        return m;
    }

    /** Reads a time with Jackson's own deserializer, then refuses one that PostgreSQL could not store. */
    private static final class InRange<T> extends StdDeserializer<T> implements ContextualDeserializer {
        private final JsonDeserializer<? extends T> inner;
        private final Predicate<T> supported;

        InRange(Class<T> type, JsonDeserializer<? extends T> inner, Predicate<T> supported) {
            super(type);
            this.inner = inner;
            this.supported = supported;
        }

        @Override
        @SuppressWarnings("unchecked")
        public JsonDeserializer<?> createContextual(DeserializationContext ctxt, BeanProperty property)
                throws JsonMappingException {
            JsonDeserializer<?> contextual =
                    inner instanceof ContextualDeserializer c ? c.createContextual(ctxt, property) : inner;
            return new InRange<>((Class<T>) handledType(), (JsonDeserializer<? extends T>) contextual, supported);
        }

        @Override
        public T deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            T value = inner.deserialize(p, ctxt);
            if (value != null && !supported.test(value))
                throw new InvalidFieldException(p, "must be " + TimeRange.DESCRIPTION);
            return value;
        }
    }
}
