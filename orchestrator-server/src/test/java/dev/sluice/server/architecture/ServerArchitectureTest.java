package dev.sluice.server.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import dev.sluice.server.SluiceApp;
import java.net.URISyntaxException;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The server names no ML type: the ML modules reach it through its SPIs (ApiExtension, TaskServiceProvider, the task
 * SPI), so a server without them still builds and runs. ml-tasks is on the server's test class path for some tests,
 * which is exactly why the compiler alone would not catch a main class importing it.
 */
class ServerArchitectureTest {
    @Test
    void server_main_code_imports_no_ml_type() throws URISyntaxException {
        // Exactly the server's main output (where SluiceApp was loaded from), not its tests or other modules.
        var location = Location.of(SluiceApp.class
                .getProtectionDomain()
                .getCodeSource()
                .getLocation()
                .toURI());
        JavaClasses server = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importLocations(Set.of(location));
        assertThat(server.containPackage("dev.sluice.server.http")).isTrue();

        noClasses()
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("dev.sluice.ml..")
                .because("ML task types, the registry and their routes plug into the server through its SPIs")
                .check(server);
    }
}
