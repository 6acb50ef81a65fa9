package dev.sluice.ml.model;

import java.util.Map;
import java.util.Optional;

/**
 * The model registry as ML task types see it: what ml.evaluate compares with and where ml.deploy registers. A task
 * gets it through {@code TaskContext.service(RegisteredModels.class)}; the registry module provides it (a
 * {@code TaskServiceProvider}) and owns the tables behind it, so task types never read them.
 */
public interface RegisteredModels {
    /** The alias ml.deploy moves by default and ml.evaluate compares with. */
    String CHAMPION = "champion";

    /** One registered version: enough to load its bundle and name it in a log or report. */
    record Version(long id, String modelName, int version, String bundleRef) {}

    Optional<Version> byAlias(String model, String alias);

    /** {@code "3"} or {@code "v3"} is a version number, anything else an alias; empty when there is none. */
    Optional<Version> find(String model, String aliasOrVersion);

    /** Registers the bundle as the model's next version; the description is kept from the first registration. */
    Version register(
            String model,
            String description,
            String bundleRef,
            String algorithm,
            String problem,
            Map<String, Object> inputSchema,
            Map<String, Object> metrics,
            Map<String, Object> details);

    /** Points {@code alias} at {@code version}, recording the move and why. */
    Version setAlias(String model, String alias, int version, String reason);
}
