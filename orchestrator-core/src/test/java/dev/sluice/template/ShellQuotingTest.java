package dev.sluice.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Values printed into a shell command reach bash as exactly their text, whatever quotes the author wrote around
 * them: every nasty value × every quoting style is rendered, run by bash, and its output compared byte for byte.
 * A value that ran anything would change the output or leave the PWNED file behind.
 */
class ShellQuotingTest {
    private static final TemplateRenderer RENDERER = new TemplateRenderer();

    static final List<String> NASTY = List.of(
            "a'; env; echo 'b",
            "plain",
            "",
            "'",
            "''",
            "\"",
            "\\",
            "\\\\'",
            "ends with backslash\\",
            "'\"'\"'",
            "$(touch PWNED)",
            "`touch PWNED`",
            "\"; touch PWNED; echo \"",
            "'; touch PWNED; echo '",
            "$HOME ${HOME} $((1+1)) $'\\x41'",
            "x\ntouch PWNED\n",
            "line1\nline2",
            "\n",
            "tab\there",
            "*  ~ ?[a] {a,b} -n -e",
            ";|&<>() !#",
            "# not a comment",
            "%s %d \\n",
            "${x:-$(touch PWNED)}",
            "a[$(touch PWNED)]",
            "}\"'`$",
            "héllo ✓ 日本語 \u202e",
            "EOFX",
            "  two  spaces  ");

    /** One way a DAG author writes a value into a command; {@code expect} maps the value to bash's output. */
    record Style(String name, String template, Function<String, String> expect, Predicate<String> refused) {
        Style(String name, String template) {
            this(name, template, v -> v, v -> false);
        }
    }

    static final List<Style> STYLES = List.of(
            new Style("unquoted", "printf '%s' {{ params.v }}"),
            new Style("single quotes", "printf '%s' '{{ params.v }}'"),
            new Style("double quotes", "printf '%s' \"{{ params.v }}\""),
            new Style("ansi-c quotes", "printf '%s' $'{{ params.v }}'"),
            new Style("glued to text", "printf '%s' pre{{ params.v }}post", v -> "pre" + v + "post", v -> false),
            new Style("mixed quotes", "printf '%s' \"a'\"'{{ params.v }}'\"'b\"", v -> "a'" + v + "'b", v -> false),
            new Style("two values", "printf '%s|%s' {{ params.v }} \"{{ params.v }}\"", v -> v + "|" + v, v -> false),
            new Style(
                    "command substitution",
                    "printf '%s' \"$(printf '%s' '{{ params.v }}')\"",
                    v -> v.replaceAll("\n+$", ""),
                    v -> false),
            new Style(
                    "nested double quotes",
                    "printf '%s' \"$(printf '%s' \"{{ params.v }}\")\"",
                    v -> v.replaceAll("\n+$", ""),
                    v -> false),
            new Style("parameter default", "unset x; printf '%s' ${x:-{{ params.v }}}"),
            new Style("assignment", "x={{ params.v }}; printf '%s' \"$x\""),
            new Style("case branch", "case a in a) printf '%s' {{ params.v }};; esac"),
            new Style(
                    "case in substitution",
                    "printf '%s' \"$(case a in (a) printf '%s' '{{ params.v }}';; esac)\"",
                    v -> v.replaceAll("\n+$", ""),
                    v -> false),
            new Style("after a comment", "# the value: {{ params.v }}\nprintf '%s' '{{ params.v }}'"),
            new Style(
                    "here-document",
                    "cat <<EOF\n{{ params.v }}\nEOF",
                    v -> v + "\n",
                    v -> v.lines().anyMatch("EOF"::equals)),
            new Style(
                    "quoted here-document",
                    "cat <<'EOF'\n{{ params.v }}\nEOF",
                    v -> v + "\n",
                    v -> v.lines().anyMatch("EOF"::equals)),
            new Style(
                    "here-document in between",
                    "cat <<-EOF; printf '%s' '{{ params.v }}'\n\tbody\n\tEOF",
                    v -> "body\n" + v,
                    v -> false),
            new Style("multi-line script", "set -e\nif true; then\n  printf '%s' \"{{ params.v }}\"\nfi\n"));

    @TestFactory
    List<DynamicTest> every_value_in_every_quoting_style_reaches_bash_unchanged(@TempDir Path dir) {
        List<DynamicTest> tests = new ArrayList<>();
        for (Style style : STYLES) {
            for (String value : NASTY) {
                tests.add(DynamicTest.dynamicTest(style.name() + ": " + value.replace("\n", "\\n"), () -> {
                    if (style.refused().test(value)) {
                        assertThatThrownBy(() -> render(style.template(), value))
                                .isInstanceOf(TemplateException.class);
                        return;
                    }
                    String command = render(style.template(), value);
                    assertThat(bash(command, dir))
                            .as(command)
                            .isEqualTo(style.expect().apply(value));
                    assertThat(dir.resolve("PWNED")).as("nothing else ran").doesNotExist();
                }));
            }
        }
        return tests;
    }

    @Test
    void the_reported_injection_prints_the_value_and_runs_nothing(@TempDir Path dir) throws Exception {
        String command = render("echo '{{ params.v }}'", "a'; env; echo 'b");
        assertThat(command).isEqualTo("echo 'a'\\''; env; echo '\\''b'");
        assertThat(bash(command, dir)).isEqualTo("a'; env; echo 'b\n");
    }

    @Test
    void safe_values_render_as_the_author_wrote_them() {
        assertThat(render("echo '{{ params.v }}' \"{{ params.v }}\" # {{ params.v }}", "2026-03-05"))
                .isEqualTo("echo '2026-03-05' \"2026-03-05\" # 2026-03-05");
        assertThat(render("seq 1 {{ params.v }}", "5")).isEqualTo("seq 1 '5'");
        assertThat(render("echo $(( {{ params.v }} + 1 ))", "41")).isEqualTo("echo $(( 41 + 1 ))");
    }

    @Test
    void raw_is_the_opt_out_for_trusted_code(@TempDir Path dir) throws Exception {
        String command = render("{{ params.v | raw }}", "printf '%s' trusted | tr a-z A-Z");
        assertThat(bash(command, dir)).isEqualTo("TRUSTED");
    }

    @Test
    void explicit_escape_filters_still_quote_for_the_shell() {
        assertThat(render("echo {{ params.v | escape('html') }}", "<a>'")).isEqualTo("echo '<a>'\\'''");
        assertThat(render("echo {{ params.v | escape }}", "x y")).isEqualTo("echo 'x y'");
    }

    @Test
    void places_without_safe_quoting_are_refused_with_the_line() {
        assertThatThrownBy(() -> render("echo ok\necho `echo {{ params.v }}`", "x"))
                .isInstanceOf(TemplateException.class)
                .hasMessageContaining("line 2")
                .hasMessageContaining("backticks");
        assertThatThrownBy(() -> render("echo $(( {{ params.v }} + 1 ))", "a[$(touch PWNED)]"))
                .hasMessageContaining("only an integer");
        assertThatThrownBy(() -> render("echo ${arr[{{ params.v }}]}", "a[$(touch PWNED)]"))
                .hasMessageContaining("only an integer");
        assertThatThrownBy(() -> render("echo ${{ params.v }}", "HOME")).hasMessageContaining("follows a $");
        assertThatThrownBy(() -> render("echo \"${x:-{{ params.v }}}\"", "y")).hasMessageContaining("${");
        assertThatThrownBy(() -> render("cat <<{{ params.v }}\nx\n", "EOF")).hasMessageContaining("delimiter");
        assertThatThrownBy(() -> render("echo \\{{ params.v }}", "x")).hasMessageContaining("backslash");
        assertThatThrownBy(() -> render("echo {{ params.v }}", "nul\0")).hasMessageContaining("NUL");
    }

    @Test
    void a_value_cannot_end_a_here_document_from_inside_a_substitution() {
        assertThatThrownBy(() -> render("cat <<EOF\n$(echo {{ params.v }})\nEOF", "a\nEOF\ntouch PWNED"))
                .hasMessageContaining("here-document");
    }

    @Test
    void non_code_fields_stay_unquoted() {
        Map<String, Object> ctx = Map.of("params", Map.of("v", "a b'c"));
        assertThat(RENDERER.render("{{ params.v }}", ctx)).isEqualTo("a b'c");
        assertThat(RENDERER.renderConfig(
                        Map.of("command", "echo {{ params.v }}", "env", Map.of("V", "{{ params.v }}")),
                        ctx,
                        Map.of("command", CodeLanguage.SHELL)))
                .isEqualTo(Map.of("command", "echo 'a b'\\''c'", "env", Map.of("V", "a b'c")));
    }

    static String render(String template, String value) {
        return (String) RENDERER.render(template, Map.of("params", Map.of("v", value)), CodeLanguage.SHELL);
    }

    static String bash(String command, Path dir) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", command)
                .directory(dir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().clear();
        pb.environment().put("PATH", "/usr/bin:/bin");
        pb.environment().put("HOME", "/nonexistent-home");
        pb.environment().put("SENTINEL", "would-show-if-env-ran");
        Path err = Files.createTempFile(dir.getParent(), "stderr", ".txt");
        pb.redirectError(err.toFile());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int exit = p.waitFor();
        String stderr = Files.readString(err);
        Files.delete(err);
        assertThat(stderr).as("stderr of: " + command).isEmpty();
        assertThat(exit).as("exit of: " + command).isZero();
        return out;
    }
}
