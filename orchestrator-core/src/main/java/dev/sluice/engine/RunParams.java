package dev.sluice.engine;

import dev.sluice.dag.Dag;
import dev.sluice.dag.ParamSpec;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A run's parameters: the DAG's declared defaults overlaid with what the trigger gave, checked against each
 * param's declaration (type, 64-bit integers, finite numbers, minimum, maximum, enum). A given null means "use the
 * default".
 */
public final class RunParams {
    private RunParams() {}

    /** Thrown for an undeclared parameter or a value the declaration refuses; names the parameter. */
    public static final class InvalidParamException extends IllegalArgumentException {
        private final String param;

        public InvalidParamException(String param, String message) {
            super("param '" + param + "': " + message);
            this.param = param;
        }

        public String param() {
            return param;
        }
    }

    public static Map<String, Object> resolve(Dag dag, Map<String, Object> given) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (ParamSpec p : dag.params().values()) out.put(p.name(), p.defaultValue());
        if (given != null) {
            for (var e : given.entrySet()) {
                ParamSpec spec = dag.params().get(e.getKey());
                if (spec == null) {
                    throw new InvalidParamException(
                            e.getKey(),
                            "not declared by DAG " + dag.id()
                                    + (dag.params().isEmpty()
                                            ? " (it declares no params)"
                                            : "; declared: " + dag.params().keySet()));
                }
                if (e.getValue() == null) continue;
                String problem = spec.check(e.getValue());
                if (problem != null) throw new InvalidParamException(e.getKey(), problem);
                out.put(
                        e.getKey(),
                        spec.type() == null ? e.getValue() : spec.type().coerce(e.getValue()));
            }
        }
        return out;
    }
}
