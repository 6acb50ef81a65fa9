package dev.sluice.server.api;

import static dev.sluice.db.jooq.Tables.ASSET;
import static dev.sluice.server.db.jooq.Tables.API_TOKEN;
import static dev.sluice.server.db.jooq.Tables.APP_USER;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.server.http.MaxLength;
import java.lang.reflect.RecordComponent;
import java.util.Map;
import java.util.TreeMap;
import org.jooq.TableField;
import org.junit.jupiter.api.Test;

/** Request text fields stored in a column are limited to that column's width, read from the schema itself. */
class RequestLimitsTest {
    /** Record component → the column it is stored in. A new @MaxLength must name its column here. */
    static final Map<String, TableField<?, String>> STORED_IN = Map.of(
            "Login.username", APP_USER.USERNAME,
            "NewUser.username", APP_USER.USERNAME,
            "NewToken.name", API_TOKEN.NAME,
            "AssetEvent.uri", ASSET.URI);

    @Test
    void every_max_length_is_its_columns_width() {
        Map<String, Integer> declared = new TreeMap<>();
        for (Class<?> type : Requests.class.getDeclaredClasses()) {
            if (!type.isRecord()) continue;
            for (RecordComponent c : type.getRecordComponents()) {
                MaxLength max = c.getAnnotation(MaxLength.class);
                if (max != null) declared.put(type.getSimpleName() + "." + c.getName(), max.value());
            }
        }
        assertThat(declared.keySet()).containsExactlyInAnyOrderElementsOf(STORED_IN.keySet());
        declared.forEach((field, max) -> assertThat(max)
                .as(field)
                .isEqualTo(STORED_IN.get(field).getDataType().length()));
    }
}
