package dev.sluice.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Static checks on the dashboard's files that a browser would only reveal as a slower page. */
class DashboardAssetsTest {
    private static final Path UI = Path.of("..", "orchestrator-ui", "src", "main", "resources", "sluice-ui");

    @Test
    void everyModuleIsPreloadedSoTheModuleGraphLoadsInOneRound() throws IOException {
        String index = Files.readString(UI.resolve("index.html"));
        List<String> modules;
        try (Stream<Path> files = Files.walk(UI.resolve("js"))) {
            modules = files.filter(p -> p.toString().endsWith(".js")).map(p -> UI.relativize(p).toString().replace('\\', '/')).sorted().toList();
        }
        assertThat(modules).contains("js/app.js", "js/pages/grid.js");
        for (String m : modules) {
            if (m.equals("js/app.js")) continue;
            assertThat(index).as("index.html preloads " + m).contains("<link rel=\"modulepreload\" href=\"" + m + "\">");
        }
    }
}
