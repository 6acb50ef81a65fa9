package dev.sluice.ml.registry;

import dev.sluice.ml.model.RegisteredModels;
import dev.sluice.task.TaskServiceProvider;
import dev.sluice.task.TaskServices;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;

/** Offers the registry to task types (ml.evaluate, ml.deploy) as {@link RegisteredModels}, on the node's database. */
public final class RegistryServices implements TaskServiceProvider {
    @Override
    public void provide(TaskServices services) {
        services.get(DataSource.class)
                .ifPresent(ds -> services.put(RegisteredModels.class, new ForTasks(new ModelRegistry(ds))));
    }

    /** The registry's task-facing face: versions as {@link RegisteredModels.Version}. */
    record ForTasks(ModelRegistry registry) implements RegisteredModels {
        @Override
        public Optional<Version> byAlias(String model, String alias) {
            return registry.byAlias(model, alias).map(ForTasks::version);
        }

        @Override
        public Optional<Version> find(String model, String aliasOrVersion) {
            try {
                return Optional.of(version(registry.resolve(model, aliasOrVersion)));
            } catch (ModelNotFoundException e) {
                return Optional.empty();
            }
        }

        @Override
        public Version register(
                String model,
                String description,
                String bundleRef,
                String algorithm,
                String problem,
                Map<String, Object> inputSchema,
                Map<String, Object> metrics,
                Map<String, Object> details) {
            return version(registry.register(
                    model, description, bundleRef, algorithm, problem, inputSchema, metrics, details));
        }

        @Override
        public Version setAlias(String model, String alias, int version, String reason) {
            return version(registry.setAlias(model, alias, version, reason));
        }

        private static Version version(ModelVersion v) {
            return new Version(v.id(), v.modelName(), v.version(), v.bundleRef());
        }
    }
}
