package dev.sluice.dag;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Canonical JSON of a DAG definition: how versions are stored and compared. */
public final class DagJson {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
            .build();

    private DagJson() {}

    public static String toJson(Dag dag) {
        try {
            return MAPPER.writeValueAsString(dag);
        } catch (Exception e) {
            throw new IllegalStateException("cannot serialise DAG " + dag.id(), e);
        }
    }

    public static Dag fromJson(String json) {
        try {
            return MAPPER.readValue(json, Dag.class);
        } catch (Exception e) {
            throw new IllegalStateException("stored DAG definition is unreadable: " + e.getMessage(), e);
        }
    }

    public static String sha256(Dag dag) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(toJson(dag).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
