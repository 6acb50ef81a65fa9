package dev.sluice.dag;

import static dev.sluice.dag.FakeTaskTypes.registry;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.dag.DagFolder.LoadResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DagFolderTest {
    private static final Path FOLDER = Path.of("src/test/resources/dags/folder");

    @Test
    void loadsEveryValidFileRecursivelyAndReportsTheBrokenOne() throws Exception {
        LoadResult result = DagFolder.load(FOLDER, registry());

        assertThat(result.dags()).containsOnlyKeys("nightly_etl", "hourly_report");
        DagFolder.LoadedDag hourly = result.dags().get("hourly_report");
        assertThat(hourly.file()).isEqualTo(FOLDER.resolve("team_b/hourly.yml"));
        assertThat(hourly.source()).isEqualTo(Files.readString(hourly.file()));
        assertThat(hourly.dag().schedule()).isEqualTo("@hourly");

        Path broken = FOLDER.resolve("broken.yaml");
        assertThat(result.importErrors()).containsOnlyKeys(broken);
        assertThat(result.importErrors().get(broken))
                .extracting(DagError::toString)
                .containsExactlyInAnyOrder(
                        broken
                                + ":5: tasks[a].config.comand: unknown key 'comand' (did you mean 'command'?) for task type 'shell'",
                        broken + ":5: tasks[a].config.command: is required by task type 'shell'");
    }

    @Test
    void twoFilesDeclaringOneIdAreBothImportErrorsNamingEachOther(@TempDir Path dir) throws Exception {
        String dag = "# same id twice\nid: shared\ntasks:\n  - id: a\n    type: shell\n    config: { command: x }\n";
        Path first = Files.writeString(dir.resolve("first.yaml"), dag);
        Path second = Files.writeString(dir.resolve("second.yml"), dag);
        Files.writeString(dir.resolve("other.yaml"), dag.replace("shared", "other"));

        LoadResult result = DagFolder.load(dir, registry());

        assertThat(result.dags()).containsOnlyKeys("other");
        assertThat(result.importErrors().get(first))
                .containsExactly(
                        new DagError(first.toString(), 2, "id", "DAG id 'shared' is also declared in " + second));
        assertThat(result.importErrors().get(second))
                .containsExactly(
                        new DagError(second.toString(), 2, "id", "DAG id 'shared' is also declared in " + first));
    }

    @Test
    void anEmptyFolderLoadsNothing(@TempDir Path dir) {
        LoadResult result = DagFolder.load(dir, registry());

        assertThat(result.dags()).isEmpty();
        assertThat(result.importErrors()).isEmpty();
    }

    @Test
    void syntaxErrorsDoNotStopOtherFiles(@TempDir Path dir) throws Exception {
        Path bad = Files.writeString(dir.resolve("a_bad.yaml"), "id: [unclosed\n");
        Files.writeString(
                dir.resolve("b_good.yaml"),
                "id: good\ntasks:\n  - id: a\n    type: shell\n    config: { command: x }\n");

        LoadResult result = DagFolder.load(dir, registry());

        assertThat(result.dags()).containsOnlyKeys("good");
        assertThat(result.importErrors().get(bad)).extracting(DagError::field).isEqualTo(List.of("yaml"));
    }
}
