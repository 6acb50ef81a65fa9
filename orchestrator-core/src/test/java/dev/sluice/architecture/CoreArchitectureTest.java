package dev.sluice.architecture;

import static com.tngtech.archunit.base.DescribedPredicate.alwaysTrue;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import dev.sluice.dag.Dag;
import java.net.URISyntaxException;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Keeps orchestrator-core in its intended shape: one package per concern (dag, run, engine, store, task, ...) with data
 * flowing one way, and a core that knows nothing of the modules built on it. A failure names the offending classes;
 * fix the dependency (move the type to the package that owns the concept), do not loosen the rule.
 */
class CoreArchitectureTest {
    private static JavaClasses core;

    @BeforeAll
    static void importCoreMainClasses() throws URISyntaxException {
        // Exactly the classes of core's main output (the directory or jar Dag was loaded from): not its tests, not the
        // libraries, and not another module that happens to share the dev.sluice prefix on the test class path.
        var location = Location.of(
                Dag.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        core = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importLocations(Set.of(location));
    }

    @Test
    void core_packages_have_no_cycles() {
        slices().matching("dev.sluice.(**)")
                .should()
                .beFreeOfCycles()
                // jOOQ's generated classes (tables, records, keys) refer to each other by design; they are generated
                // from the Flyway scripts, not written, and no hand-written package depends back on the engine from
                // them.
                .ignoreDependency(resideInAPackage("dev.sluice.db.jooq.."), alwaysTrue())
                .ignoreDependency(alwaysTrue(), resideInAPackage("dev.sluice.db.jooq.."))
                .check(core);
    }

    @Test
    void core_knows_nothing_of_server_ui_or_ml() {
        noClasses()
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "dev.sluice.server..",
                        "dev.sluice.ui..",
                        "dev.sluice.ml..",
                        "dev.sluice.storage.s3..",
                        "io.javalin..",
                        "jakarta.servlet..")
                .because("core is the DAG model, engine, persistence and task SPI; HTTP, the UI, ML task types and"
                        + " storage back-ends build on it through its SPIs, never the other way round")
                .check(core);
    }

    @Test
    void only_the_store_touches_the_generated_tables() {
        // Task-instance and attempt states (and every other row) are written behind the repositories, so each state
        // change is one conditional UPDATE in one place. Raw SQL elsewhere would escape this rule; keep it in store
        // too.
        noClasses()
                .that()
                .resideOutsideOfPackages("dev.sluice.store..", "dev.sluice.db.jooq..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("dev.sluice.db.jooq..")
                .because("rows are read and written through the repositories in dev.sluice.store")
                .check(core);
    }

    @Test
    void the_imported_classes_are_core_s_own() {
        // Guards the two rules above against passing vacuously, e.g. if the import location were empty.
        assertThat(core.containPackage("dev.sluice.engine")
                        && core.containPackage("dev.sluice.dag")
                        && core.containPackage("dev.sluice.store"))
                .isTrue();
        assertThat(core.stream().noneMatch(c -> c.getName().endsWith("Test"))).isTrue();
    }
}
