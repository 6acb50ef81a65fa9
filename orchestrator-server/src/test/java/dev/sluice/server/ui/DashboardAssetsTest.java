package dev.sluice.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Static checks on the dashboard's files that a browser would only reveal as a slower or broken page. */
class DashboardAssetsTest {
    private static final Path UI = Path.of("..", "orchestrator-ui", "src", "main", "resources", "sluice-ui");
    private static final Pattern STATIC_IMPORT =
            Pattern.compile("^import [^;]*? from '(\\.[^']+)';", Pattern.MULTILINE);
    private static final Pattern PRELOAD = Pattern.compile("<link rel=\"modulepreload\" href=\"([^\"]+)\">");

    @Test
    void theFirstPagesModulesArePreloadedSoTheyLoadInOneRound() throws IOException {
        // The DAG list and a DAG's grid: everything they import statically must be in index.html's preloads.
        Set<String> needed = staticClosure("js/app.js", "js/pages/dag.js", "js/pages/dags.js");
        needed.remove("js/app.js");
        String index = Files.readString(UI.resolve("index.html"));
        Set<String> preloaded = new TreeSet<>();
        for (Matcher m = PRELOAD.matcher(index); m.find(); ) preloaded.add(m.group(1));
        assertThat(needed).contains("js/pages/grid.js", "js/api.js");
        assertThat(preloaded).containsAll(needed);
        for (String p : preloaded)
            assertThat(UI.resolve(p)).as("preloaded file exists").exists();
    }

    private static Set<String> staticClosure(String... roots) throws IOException {
        Set<String> seen = new TreeSet<>();
        Deque<String> todo = new ArrayDeque<>(java.util.List.of(roots));
        while (!todo.isEmpty()) {
            String f = todo.pop();
            if (!seen.add(f)) continue;
            String src = Files.readString(UI.resolve(f));
            for (Matcher m = STATIC_IMPORT.matcher(src); m.find(); ) {
                todo.push(Path.of(f)
                        .resolveSibling(m.group(1))
                        .normalize()
                        .toString()
                        .replace('\\', '/'));
            }
        }
        return seen;
    }
}
