package dev.sluice.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.store.Database;
import dev.sluice.testing.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Values printed into SQL reach PostgreSQL as exactly their text, whatever quotes the author wrote: each value ×
 * style is rendered and run, the result compared, and a canary table proves no statement was slipped in.
 */
class SqlQuotingTest {
    private static final TemplateRenderer RENDERER = new TemplateRenderer();
    private static Database db;

    static final List<String> NASTY = List.of(
            "plain",
            "",
            "'",
            "''",
            "\\",
            "\\'",
            "it's",
            "'); DROP TABLE canary; --",
            "' OR '1'='1",
            "*/ DROP TABLE canary; /*",
            "/*",
            "*/",
            "--",
            "-- DROP TABLE canary",
            "$$; DROP TABLE canary; $$",
            "$q$; DROP TABLE canary; $q$",
            "$",
            "a$",
            "$a",
            "\"",
            "\"; DROP TABLE canary; --",
            "line1\nDROP TABLE canary;",
            "5",
            "5.50",
            "007",
            "-5",
            "1e3",
            "0",
            "$1",
            "E'",
            "?",
            ":name",
            "%_",
            "héllo ✓ 日本語",
            "  spaced  ");

    record Style(String name, String template, Predicate<String> refused) {
        Style(String name, String template) {
            this(name, template, v -> false);
        }
    }

    static final List<Style> STYLES = List.of(
            new Style("plain", "SELECT CAST({{ params.v }} AS text)"),
            new Style("single quotes", "SELECT '{{ params.v }}'"),
            new Style("escape string", "SELECT E'{{ params.v }}'"),
            new Style("dollar quotes", "SELECT $${{ params.v }}$$", v -> v.contains("$$") || v.endsWith("$")),
            new Style(
                    "tagged dollar quotes", "SELECT $q${{ params.v }}$q$", v -> v.contains("$q$") || v.endsWith("$q")),
            new Style(
                    "concatenated",
                    "SELECT substr('x' || {{ params.v }} || 'y', 2, length('x' || {{ params.v }} || 'y') - 2)"),
            new Style("after comments", "/* {{ params.v }} */ SELECT -- {{ params.v }}\n'{{ params.v }}'"));

    @BeforeAll
    static void start() throws Exception {
        db = TestDatabase.fresh(2);
    }

    @AfterAll
    static void stop() {
        db.close();
    }

    @TestFactory
    List<DynamicTest> every_value_in_every_quoting_style_reaches_postgres_unchanged() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Style style : STYLES) {
            for (String value : NASTY) {
                tests.add(DynamicTest.dynamicTest(style.name() + ": " + value.replace("\n", "\\n"), () -> {
                    if (style.refused().test(value)) {
                        assertThatThrownBy(() -> render(style.template(), value))
                                .isInstanceOf(TemplateException.class);
                        return;
                    }
                    String sql = render(style.template(), value);
                    try (Connection c = db.dataSource().getConnection();
                            Statement s = c.createStatement()) {
                        s.execute("CREATE TABLE IF NOT EXISTS canary (x int)");
                        try (ResultSet r = s.executeQuery(sql)) {
                            assertThat(r.next()).isTrue();
                            assertThat(r.getString(1)).as(sql).isEqualTo(value);
                            assertThat(r.next()).isFalse();
                        }
                        try (ResultSet r = s.executeQuery("SELECT to_regclass('canary') IS NOT NULL")) {
                            r.next();
                            assertThat(r.getBoolean(1))
                                    .as("canary survives " + sql)
                                    .isTrue();
                        }
                    }
                }));
            }
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> a_value_in_double_quotes_names_exactly_one_identifier() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String value : NASTY) {
            if (value.isEmpty() || value.getBytes(StandardCharsets.UTF_8).length > 63) continue; // PostgreSQL's limits
            tests.add(DynamicTest.dynamicTest(value.replace("\n", "\\n"), () -> {
                String sql = render("SELECT 1 AS \"{{ params.v }}\"", value);
                try (Connection c = db.dataSource().getConnection();
                        Statement s = c.createStatement();
                        ResultSet r = s.executeQuery(sql)) {
                    assertThat(r.getMetaData().getColumnCount()).isEqualTo(1);
                    assertThat(r.getMetaData().getColumnLabel(1)).isEqualTo(value);
                }
            }));
        }
        return tests;
    }

    @Test
    void a_letter_before_a_value_cannot_turn_it_into_an_escape_string() throws Exception {
        String sql = render("SELECT E{{ params.v }}", "\\'; DROP TABLE canary; --");
        assertThat(sql).isEqualTo("SELECT E '\\''; DROP TABLE canary; --'");
        try (Connection c = db.dataSource().getConnection();
                Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS canary (x int)");
            assertThatThrownBy(() -> s.executeQuery(sql)).isInstanceOf(java.sql.SQLException.class);
            try (ResultSet r = s.executeQuery("SELECT to_regclass('canary') IS NOT NULL")) {
                r.next();
                assertThat(r.getBoolean(1)).isTrue();
            }
        }
    }

    @Test
    void numbers_stay_numbers_and_text_becomes_a_literal() {
        assertThat(render("SELECT * FROM t LIMIT {{ params.v }}", "10")).isEqualTo("SELECT * FROM t LIMIT 10");
        assertThat(render("WHERE zip = {{ params.v }}", "00501")).isEqualTo("WHERE zip = '00501'");
        assertThat(render("WHERE name = {{ params.v }}", "O'Brien")).isEqualTo("WHERE name = 'O''Brien'");
        assertThat(render("WHERE day = '{{ params.v }}'", "2026-03-05")).isEqualTo("WHERE day = '2026-03-05'");
        assertThat(render("SELECT {{ params.v | raw }} FROM t", "a, b")).isEqualTo("SELECT a, b FROM t");
    }

    static String render(String template, String value) {
        return (String) RENDERER.render(template, Map.of("params", Map.of("v", value)), CodeLanguage.SQL);
    }
}
