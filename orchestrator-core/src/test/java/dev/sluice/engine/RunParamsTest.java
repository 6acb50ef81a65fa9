package dev.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.dag.Dag;
import dev.sluice.dag.ParamSpec;
import dev.sluice.dag.ParamSpec.ParamType;
import dev.sluice.testing.TestDags;
import java.math.BigInteger;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** What a trigger may give: typed, 64-bit integers, finite numbers, within the declared range and allowed values. */
class RunParamsTest {
    private static final Dag DAG = TestDags.withParams(
            TestDags.dag("p", 1, List.of(TestDags.task("t", "noop", List.of(), Map.of()))),
            new ParamSpec("rows", ParamType.INTEGER, 5, null, 1, 1_000_000, null),
            new ParamSpec("big", ParamType.INTEGER, 0, null),
            new ParamSpec("ratio", ParamType.NUMBER, 0.5, null, 0, 1, null),
            new ParamSpec("x", ParamType.NUMBER, 0, null),
            new ParamSpec("mode", ParamType.STRING, "fast", null, null, null, List.of("fast", "slow")),
            new ParamSpec("level", ParamType.INTEGER, 1, null, null, null, List.of(1, 2, 3)),
            new ParamSpec("name", ParamType.STRING, "n", null),
            new ParamSpec("cols", ParamType.LIST, List.of(), null));

    static List<Arguments> refused() {
        BigInteger twoTo63 = BigInteger.TWO.pow(63);
        return List.of(
                Arguments.of("rows", Double.POSITIVE_INFINITY, "must be a finite number, got Infinity"),
                Arguments.of("x", Double.POSITIVE_INFINITY, "must be a finite number, got Infinity"),
                Arguments.of("x", Double.NaN, "must be a finite number, got NaN"),
                Arguments.of("big", twoTo63, "is out of range: integers must fit in 64 bits"),
                Arguments.of("big", twoTo63.negate().subtract(BigInteger.ONE), "is out of range"),
                Arguments.of("big", 1e19, "is out of range"),
                Arguments.of("rows", 0, "must be at least 1, got 0"),
                Arguments.of("rows", 1_000_001, "must be at most 1000000, got 1000001"),
                Arguments.of("rows", 2.5, "expected integer, got 2.5"),
                Arguments.of("ratio", 1.5, "must be at most 1, got 1.5"),
                Arguments.of("mode", "medium", "must be one of [\"fast\", \"slow\"], got \"medium\""),
                Arguments.of("level", 4, "must be one of [1, 2, 3], got 4"),
                Arguments.of("name", "a\0b", "must not contain a NUL character"),
                Arguments.of("cols", List.of(1, Double.POSITIVE_INFINITY), "[1] must be a finite number"),
                Arguments.of("rows", "7", "expected integer, got \"7\""));
    }

    @ParameterizedTest(name = "{0} = {1}")
    @MethodSource("refused")
    void refuses_values_outside_the_declaration_naming_the_param(String param, Object value, String message) {
        assertThatThrownBy(() -> RunParams.resolve(DAG, Map.of(param, value)))
                .isInstanceOfSatisfying(
                        RunParams.InvalidParamException.class,
                        e -> assertThat(e.param()).isEqualTo(param))
                .hasMessageStartingWith("param '" + param + "': ")
                .hasMessageContaining(message);
    }

    @Test
    void accepts_the_extremes_and_stores_whole_numbers_of_integer_params_as_integers() {
        Map<String, Object> given = new HashMap<>();
        given.put("big", BigInteger.TWO.pow(63).subtract(BigInteger.ONE));
        given.put("rows", 7.0);
        given.put("level", 3L);
        given.put("ratio", 1);
        given.put("mode", null); // null: the default applies
        Map<String, Object> resolved = RunParams.resolve(DAG, given);
        assertThat(resolved)
                .containsEntry("big", Long.MAX_VALUE)
                .containsEntry("rows", 7)
                .containsEntry("level", 3)
                .containsEntry("ratio", 1)
                .containsEntry("mode", "fast")
                .containsEntry("x", 0);
    }
}
