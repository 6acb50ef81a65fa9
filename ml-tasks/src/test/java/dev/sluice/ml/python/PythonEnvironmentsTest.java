package dev.sluice.ml.python;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.task.TaskFailedException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What makes two requirement sets one environment, and the pip options a worker's settings give. */
class PythonEnvironmentsTest {

    @Test
    void order_comments_duplicates_and_spaces_around_operators_do_not_make_another_environment() throws Exception {
        List<String> a = PythonEnvironments.normalize(
                List.of("six >= 1.0, <2  # pinned loosely", "", "pandas==3.1.1", "six>=1.0,<2"), "r");
        List<String> b = PythonEnvironments.normalize(List.of("pandas == 3.1.1", "six>=1.0,<2"), "r");
        assertThat(a).containsExactly("pandas==3.1.1", "six>=1.0,<2").isEqualTo(b);
        assertThat(PythonEnvironments.hash("3.11.7", a))
                .isEqualTo(PythonEnvironments.hash("3.11.7", b))
                .hasSize(16)
                .isNotEqualTo(PythonEnvironments.hash("3.12.1", b));
        assertThat(PythonEnvironments.normalize(List.of("six; python_version > \"3\" and os_name == \"posix\""), "r"))
                .containsExactly("six; python_version>\"3\" and os_name==\"posix\"");
    }

    @Test
    void pip_options_in_requirements_are_refused_naming_the_line() {
        assertThatThrownBy(() ->
                        PythonEnvironments.normalize(List.of("six", "--index-url http://x"), "requirements file r.txt"))
                .isInstanceOf(TaskFailedException.class)
                .hasMessageContaining("requirements file r.txt line 2: '--index-url http://x'");
    }

    @Test
    void the_air_gapped_settings_become_pip_options() {
        Map<String, String> s = Map.of(PythonEnvironments.FIND_LINKS, "/wheels", PythonEnvironments.NO_INDEX, "true");
        assertThat(new PythonEnvironments(s::get).indexOptions())
                .containsExactly("--find-links", "/wheels", "--no-index");
        assertThat(new PythonEnvironments(Map.of(PythonEnvironments.INDEX_URL, "https://pypi.example/simple")::get)
                        .indexOptions())
                .containsExactly("--index-url", "https://pypi.example/simple");
        assertThat(new PythonEnvironments(n -> null).indexOptions()).isEmpty();
    }
}
