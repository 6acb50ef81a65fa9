package dev.sluice.ml.tuning;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.ml.model.Problem;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SearchSpecTest {
    private static SearchSpec parse(Map<String, Object> search, Problem problem, String algorithm) {
        List<String> errors = new ArrayList<>();
        SearchSpec spec = SearchSpec.parse(search, problem, algorithm, errors);
        assertThat(errors).isEmpty();
        return spec;
    }

    private static List<String> errors(Map<String, Object> search, Problem problem, String algorithm) {
        List<String> errors = new ArrayList<>();
        assertThat(SearchSpec.parse(search, problem, algorithm, errors)).isNull();
        return errors;
    }

    @Test
    void a_grid_is_every_combination_in_name_order_whatever_the_mapping_order() {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("max_depth", List.of(3, 5));
        params.put("eta", List.of(0.1, 0.2));
        params.put("rounds", List.of("50"));
        SearchSpec spec = parse(Map.of("method", "grid", "params", params), Problem.CLASSIFICATION, "xgboost");
        assertThat(spec.metric()).isEqualTo("roc_auc");
        assertThat(spec.folds()).isEqualTo(5);
        assertThat(spec.candidates()).isEqualTo(4);
        assertThat(spec.fits()).isEqualTo(20);
        List<Map<String, Object>> c = spec.candidateList(1);
        assertThat(c)
                .containsExactly(
                        Map.of("eta", 0.1, "max_depth", 3, "rounds", 50),
                        Map.of("eta", 0.1, "max_depth", 5, "rounds", 50),
                        Map.of("eta", 0.2, "max_depth", 3, "rounds", 50),
                        Map.of("eta", 0.2, "max_depth", 5, "rounds", 50));
        assertThat(List.copyOf(c.get(0).keySet())).containsExactly("eta", "max_depth", "rounds");

        Map<String, Object> reversed = new LinkedHashMap<>();
        reversed.put("rounds", List.of(50));
        reversed.put("eta", List.of(0.1, 0.2));
        reversed.put("max_depth", List.of(3, 5));
        assertThat(parse(Map.of("params", reversed), Problem.CLASSIFICATION, "xgboost")
                        .candidateList(99))
                .isEqualTo(c);
    }

    @Test
    void random_search_draws_distinct_candidates_from_the_seed() {
        Map<String, Object> search = Map.of(
                "method",
                "random",
                "trials",
                6,
                "params",
                Map.of(
                        "max_depth",
                        List.of(2, 3, 4, 5, 6, 7),
                        "eta",
                        List.of(0.03, 0.1, 0.3),
                        "subsample",
                        List.of(0.7, 1.0)));
        SearchSpec spec = parse(search, Problem.REGRESSION, "xgboost");
        assertThat(spec.metric()).isEqualTo("rmse");
        assertThat(spec.lowerIsBetter()).isTrue();
        List<Map<String, Object>> a = spec.candidateList(42);
        assertThat(a).hasSize(6).doesNotHaveDuplicates();
        assertThat(spec.candidateList(42)).isEqualTo(a);
        assertThat(spec.candidateList(43)).isNotEqualTo(a);
        for (Map<String, Object> c : a) {
            assertThat(List.of(2, 3, 4, 5, 6, 7)).contains((Integer) c.get("max_depth"));
            assertThat(List.of(0.03, 0.1, 0.3)).contains((Double) c.get("eta"));
        }
        // A grid no bigger than the trials is tried whole, in grid order.
        SearchSpec small = parse(
                Map.of("method", "random", "trials", 10, "params", Map.of("max_depth", List.of(2, 3))),
                Problem.CLASSIFICATION,
                "xgboost");
        assertThat(small.candidateList(5)).containsExactly(Map.of("max_depth", 2), Map.of("max_depth", 3));
    }

    @Test
    void random_search_samples_ranges_uniformly_or_in_the_log() {
        SearchSpec spec = parse(
                Map.of(
                        "method",
                        "random",
                        "trials",
                        40,
                        "params",
                        Map.of(
                                "eta", Map.of("min", 0.001, "max", 0.3, "log", true),
                                "max_depth", Map.of("min", 2, "max", 8),
                                "subsample", Map.of("min", 0.5, "max", 1.0))),
                Problem.CLASSIFICATION,
                "xgboost");
        List<Map<String, Object>> c = spec.candidateList(7);
        assertThat(c).hasSize(40);
        Set<Object> depths = new HashSet<>();
        int smallEta = 0;
        for (Map<String, Object> m : c) {
            double eta = (Double) m.get("eta");
            assertThat(eta).isBetween(0.001, 0.3);
            if (eta < 0.0173) smallEta++; // below the geometric middle
            assertThat((Long) m.get("max_depth")).isBetween(2L, 8L);
            depths.add(m.get("max_depth"));
            assertThat((Double) m.get("subsample")).isBetween(0.5, 1.0);
        }
        assertThat(depths.size()).isGreaterThanOrEqualTo(5);
        // Log-uniform: about half of the draws below the geometric middle, where uniform would put 5 %.
        assertThat(smallEta).isBetween(10, 30);
        assertThat(spec.candidateList(7)).isEqualTo(c);
        // A whole-number range small enough is enumerated like a list.
        SearchSpec narrow = parse(
                Map.of("method", "random", "trials", 5, "params", Map.of("trees", Map.of("min", 10, "max", 12))),
                Problem.CLASSIFICATION,
                "random_forest");
        assertThat(narrow.candidateList(1))
                .containsExactly(Map.of("trees", 10L), Map.of("trees", 11L), Map.of("trees", 12L));
    }

    @Test
    void the_linear_models_search_l2_and_metrics_follow_the_problem() {
        SearchSpec spec = parse(
                Map.of("params", Map.of("l2", List.of(0.1, 1, "10")), "metric", "r2", "folds", 3),
                Problem.REGRESSION,
                "linear_regression");
        assertThat(spec.candidateList(1))
                .extracting(m -> ((Number) m.get("l2")).doubleValue())
                .containsExactly(0.1, 1.0, 10.0);
        assertThat(spec.lowerIsBetter()).isFalse();
        assertThat(parse(Map.of("params", Map.of("max_depth", List.of(2))), Problem.MULTICLASS, "random_forest")
                        .metric())
                .isEqualTo("roc_auc_ovr");
    }

    @Test
    void every_mistake_is_named_by_its_field() {
        assertThat(errors(
                        Map.of("method", "bayes", "params", Map.of("max_depth", List.of(3))),
                        Problem.CLASSIFICATION,
                        "xgboost"))
                .containsExactly("search.method must be grid or random, got \"bayes\"");
        assertThat(errors(Map.of("params", Map.of("max_depth", List.of())), Problem.CLASSIFICATION, "xgboost"))
                .containsExactly("search.params.max_depth must be a non-empty list");
        assertThat(errors(Map.of("params", Map.of("max_depth", 3)), Problem.CLASSIFICATION, "xgboost"))
                .containsExactly("search.params.max_depth must be a non-empty list, got 3");
        assertThat(errors(Map.of("params", Map.of()), Problem.CLASSIFICATION, "xgboost"))
                .singleElement()
                .asString()
                .startsWith("search.params must map hyperparameters to the values to try");
        assertThat(errors(Map.of("folds", 1, "params", Map.of("eta", List.of(0.1))), Problem.CLASSIFICATION, "xgboost"))
                .containsExactly("search.folds must be at least 2, got 1");
        assertThat(errors(
                        Map.of("trials", 5, "params", Map.of("eta", List.of(0.1))), Problem.CLASSIFICATION, "xgboost"))
                .containsExactly("search.trials is for method: random; method: grid tries every combination");
        assertThat(errors(
                        Map.of("metric", "rmse", "params", Map.of("eta", List.of(0.1))),
                        Problem.CLASSIFICATION,
                        "xgboost"))
                .singleElement()
                .asString()
                .startsWith("search.metric must be one of [accuracy, precision")
                .contains("for problem: classification");
        assertThat(errors(Map.of("params", Map.of("l2", List.of(1.0))), Problem.CLASSIFICATION, "xgboost"))
                .singleElement()
                .asString()
                .isEqualTo(
                        "search.params.l2 cannot be searched for algorithm: xgboost: l2 is for the linear models; XGBoost's L2 penalty is lambda");
        assertThat(errors(Map.of("params", Map.of("rounds", List.of(10))), Problem.CLASSIFICATION, "random_forest"))
                .singleElement()
                .asString()
                .contains("search.params.rounds cannot be searched for algorithm: random_forest")
                .contains("search trees instead");
        assertThat(errors(Map.of("params", Map.of("max_depth", List.of(3))), Problem.REGRESSION, "linear_regression"))
                .singleElement()
                .asString()
                .isEqualTo(
                        "search.params.max_depth cannot be searched for algorithm: linear_regression: linear_regression has only l2 to search");
        assertThat(errors(
                        Map.of("params", Map.of("objective", List.of("reg:absoluteerror"))),
                        Problem.REGRESSION,
                        "xgboost"))
                .singleElement()
                .asString()
                .contains("search.params.objective")
                .contains("set by ml.train");
        assertThat(errors(Map.of("params", Map.of("rounds", List.of(10, 0))), Problem.CLASSIFICATION, "xgboost"))
                .containsExactly("search.params.rounds values must be whole numbers of at least 1, got 0");
        assertThat(errors(Map.of("params", Map.of("max_depth", List.of(3, 3))), Problem.CLASSIFICATION, "xgboost"))
                .containsExactly("search.params.max_depth lists 3 twice");
        assertThat(errors(
                        Map.of("params", Map.of("eta", Map.of("min", 0.01, "max", 0.3))),
                        Problem.CLASSIFICATION,
                        "xgboost"))
                .singleElement()
                .asString()
                .startsWith("search.params.eta: a {min, max} range can only be sampled");
        assertThat(errors(
                        Map.of("method", "random", "params", Map.of("eta", Map.of("min", 0.3, "max", 0.01))),
                        Problem.CLASSIFICATION,
                        "xgboost"))
                .containsExactly("search.params.eta.min must be below search.params.eta.max, got 0.3 and 0.01");
        assertThat(errors(
                        Map.of("method", "random", "params", Map.of("eta", Map.of("min", 0, "max", 1, "log", true))),
                        Problem.CLASSIFICATION,
                        "xgboost"))
                .containsExactly("search.params.eta.min must be above 0 for log: true, got 0");
        assertThat(errors(Map.of("params", Map.of("eta", List.of(0.1)), "fold", 3), Problem.CLASSIFICATION, "xgboost"))
                .containsExactly(
                        "search.fold is not a search setting; expected method, params, trials, folds, metric, max_fits");
        List<String> notAMap = new ArrayList<>();
        assertThat(SearchSpec.parse(List.of(1), Problem.CLASSIFICATION, "xgboost", notAMap))
                .isNull();
        assertThat(notAMap).singleElement().asString().startsWith("search must be a mapping");
    }

    @Test
    void a_search_bigger_than_max_fits_is_refused_before_any_fit() {
        Map<String, Object> params = Map.of(
                "max_depth",
                List.of(2, 3, 4, 5, 6, 7),
                "eta",
                List.of(0.01, 0.03, 0.1, 0.3),
                "min_child_weight",
                List.of(1, 5));
        assertThat(errors(Map.of("params", params), Problem.CLASSIFICATION, "xgboost"))
                .containsExactly(
                        "search needs 240 fits (48 candidates × 5 folds), more than search.max_fits (200): try fewer values or method: random,"
                                + " fewer search.folds, or raise search.max_fits");
        assertThat(parse(Map.of("params", params, "max_fits", 240), Problem.CLASSIFICATION, "xgboost")
                        .fits())
                .isEqualTo(240);
        assertThat(parse(Map.of("params", params, "method", "random", "trials", 40), Problem.CLASSIFICATION, "xgboost")
                        .fits())
                .isEqualTo(200);
        assertThat(errors(
                        Map.of(
                                "params",
                                Map.of("eta", Map.of("min", 0.01, "max", 0.3)),
                                "method",
                                "random",
                                "trials",
                                50,
                                "folds",
                                5),
                        Problem.CLASSIFICATION,
                        "xgboost"))
                .singleElement()
                .asString()
                .startsWith("search needs 250 fits (50 candidates × 5 folds)")
                .contains("fewer search.trials");
    }

    @Test
    void templates_are_left_for_the_rendered_config() {
        List<String> errors = new ArrayList<>();
        assertThat(SearchSpec.parse(
                        Map.of("folds", "{{ params.folds }}", "params", Map.of("max_depth", List.of(3))),
                        Problem.CLASSIFICATION,
                        "xgboost",
                        errors))
                .isNull();
        assertThat(errors).isEmpty();
        assertThat(parse(
                                Map.of("folds", "3", "params", Map.of("max_depth", List.of(3))),
                                Problem.CLASSIFICATION,
                                "xgboost")
                        .folds())
                .isEqualTo(3);
    }
}
