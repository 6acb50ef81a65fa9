package dev.sluice.dag;

import static dev.sluice.dag.FakeTaskTypes.registry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DAG files written to hurt: alias bombs, huge files, links out of the folder, FIFOs and binaries. */
class HostileDagFilesTest {
    private static final String GOOD = "id: good\ntasks:\n  - id: a\n    type: shell\n    config: { command: x }\n";

    /** Eight levels of six aliases each: 48 aliases, under SnakeYAML's limit of 50, expanding to 1.7 million values. */
    static String aliasBomb() {
        StringBuilder y =
                new StringBuilder("id: laughs\ntasks:\n  - id: a\n    type: shell\n    config:\n      command: x\n");
        y.append("      l0: &a0 [lol, lol, lol, lol, lol, lol]\n");
        for (int level = 1; level <= 8; level++) {
            String prev = "*a" + (level - 1);
            y.append("      l")
                    .append(level)
                    .append(": ")
                    .append(level < 8 ? "&a" + level + " " : "")
                    .append("[")
                    .append(String.join(", ", Collections.nCopies(6, prev)))
                    .append("]\n");
        }
        return y.toString();
    }

    @Test
    void aliasesThatExpandBeyondTheLimitAreRefusedAtTheAnchorBeforeAnythingIsBuilt() {
        String bomb = aliasBomb();
        assertThat(bomb.length()).isLessThan(700);

        DagValidationException e = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> catchValidation(bomb));

        assertThat(e.errors()).hasSize(1);
        DagError error = e.errors().get(0);
        assertThat(error.field()).isEqualTo("yaml");
        assertThat(error.line()).as("the line of &a0, the anchor copied most").isEqualTo(7);
        assertThat(error.message())
                .contains("aliases expand the document beyond the limit of 100000 values")
                .contains("&a0");
    }

    @Test
    void aFewAliasesWithinTheLimitStillWork() {
        Dag dag = new YamlDagParser(registry()).parse("""
                id: shared_config
                tasks:
                  - id: a
                    type: shell
                    config: &common { command: "echo hi" }
                  - id: b
                    type: shell
                    config: *common
                """, "shared.yaml");

        assertThat(dag.task("b").config()).isEqualTo(dag.task("a").config());
    }

    @Test
    void aRecursiveAliasIsAnErrorNotAStackOverflow() {
        DagValidationException e = catchValidation(
                "id: loop\ntasks:\n  - id: a\n    type: shell\n    config:\n      command: x\n      me: &me [1, *me]\n");

        assertThat(e.errors())
                .extracting(DagError::line, DagError::message)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(
                        7, "the anchor &me contains an alias of itself, so its value would be infinite"));
    }

    @Test
    void aTextLongerThanTheFileLimitIsRefusedByTheParser() {
        String padded = GOOD + "# " + "x".repeat(2000) + "\n";

        assertThatThrownBy(() -> new YamlDagParser(registry(), new DagFileLimits(1000)).parse(padded, "big.yaml"))
                .isInstanceOf(DagValidationException.class)
                .hasMessageContaining("big.yaml:1: yaml: the document is larger than the limit of 1000 bytes");
    }

    @Test
    void aFileOverTheSizeLimitIsAnImportErrorAndTheOthersStillLoad(@TempDir Path dir) throws Exception {
        Path big = Files.writeString(
                dir.resolve("big.yaml"), GOOD.replace("good", "big") + "# " + "x".repeat(2 << 20) + "\n");
        Files.writeString(dir.resolve("small.yaml"), GOOD);

        DagFolder.LoadResult result = DagFolder.load(dir, registry());

        assertThat(result.dags()).containsOnlyKeys("good");
        assertThat(result.importErrors().get(big))
                .singleElement()
                .extracting(DagError::message)
                .asString()
                .isEqualTo("is " + Files.size(big) + " bytes, over the limit of 1048576 bytes for a DAG file "
                        + "(SLUICE_DAG_FILE_MAX_BYTES raises it)");
    }

    @Test
    void aRaisedLimitAcceptsAFileBiggerThanSnakeYamlsOwnDefault(@TempDir Path dir) throws Exception {
        // SnakeYAML refuses documents over 3 MB unless told otherwise
        Files.writeString(dir.resolve("big.yaml"), GOOD + ("# " + "x".repeat(70) + "\n").repeat(50_000));

        DagFolder.LoadResult result = new DagFolder(dir, registry(), new DagFileLimits(4 << 20)).load();

        assertThat(result.importErrors()).isEmpty();
        assertThat(result.dags()).containsOnlyKeys("good");
    }

    @Test
    void aLinkToAFileOutsideTheFolderIsNotFollowedAndItsTextIsNotShown(@TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("dags"));
        Path secret = Files.writeString(tmp.resolve("passwd"), "root:x:0:0:root:/root:/bin/bash\n");
        Path outside = Files.createSymbolicLink(dir.resolve("passwd.yaml"), secret);
        Files.writeString(dir.resolve("real.yaml"), GOOD);
        Files.createDirectories(dir.resolve("team"));
        Path inside = Files.createSymbolicLink(dir.resolve("team/linked.yaml"), dir.resolve("real.yaml"));
        Files.writeString(dir.resolve("other.yaml"), GOOD.replace("good", "other"));

        DagFolder.LoadResult result = DagFolder.load(dir, registry());

        assertThat(result.importErrors().get(outside))
                .singleElement()
                .extracting(DagError::message)
                .asString()
                .contains("symbolic link to a file outside the DAG folder")
                .doesNotContain("root");
        // a link inside the folder is followed: the same id twice is the usual duplicate error
        assertThat(result.importErrors().get(inside))
                .singleElement()
                .extracting(DagError::message)
                .asString()
                .contains("DAG id 'good' is also declared in");
        assertThat(result.dags()).containsOnlyKeys("other");
    }

    @Test
    void aFifoIsAnImportErrorAndIsNeverOpened(@TempDir Path dir) throws Exception {
        Path fifo = dir.resolve("pipe.yaml");
        Process mkfifo =
                new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        assertThat(mkfifo.waitFor()).isZero();
        Files.writeString(dir.resolve("good.yaml"), GOOD);

        // opening a FIFO for reading blocks until a writer comes: the load would never return
        DagFolder.LoadResult result =
                assertTimeoutPreemptively(Duration.ofSeconds(10), () -> DagFolder.load(dir, registry()));

        assertThat(result.dags()).containsOnlyKeys("good");
        assertThat(result.importErrors().get(fifo))
                .singleElement()
                .extracting(DagError::message)
                .asString()
                .isEqualTo("is not a regular file (a FIFO, socket or device): not read");
    }

    @Test
    void binaryFilesAreImportErrorsThatSayWhy(@TempDir Path dir) throws Exception {
        Path nul = Files.write(dir.resolve("model.yaml"), new byte[] {'i', 'd', ':', ' ', 0, 1, 2});
        Path latin1 = Files.write(
                dir.resolve("latin1.yml"), "id: caf\u00e9\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));

        DagFolder.LoadResult result = DagFolder.load(dir, registry());

        assertThat(result.importErrors().get(nul))
                .singleElement()
                .extracting(DagError::message)
                .asString()
                .isEqualTo("is a binary file (a NUL byte at offset 4), not YAML text");
        assertThat(result.importErrors().get(latin1))
                .singleElement()
                .extracting(DagError::message)
                .asString()
                .startsWith("is not UTF-8 text");
    }

    @Test
    void anUnchangedFileIsNotParsedAgainAndAnEditedOneIs(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("good.yaml"), GOOD);
        DagFolder folder = new DagFolder(dir, registry(), DagFileLimits.DEFAULT);

        DagFolder.LoadedDag first = folder.load().dags().get("good");
        assertThat(folder.load().dags().get("good"))
                .as("the same parse, not a new one")
                .isSameAs(first);

        // same size, later modification time: an edit all the same
        Files.writeString(file, GOOD.replace("command: x", "command: y"));
        Files.setLastModifiedTime(
                file, FileTime.fromMillis(Files.getLastModifiedTime(file).toMillis() + 2000));
        DagFolder.LoadedDag edited = folder.load().dags().get("good");
        assertThat(edited).isNotSameAs(first);
        assertThat(edited.dag().task("a").config()).containsEntry("command", "y");

        Files.delete(file);
        assertThat(folder.load().dags()).isEmpty();
    }

    private static DagValidationException catchValidation(String yaml) {
        List<DagValidationException> caught = new ArrayList<>();
        try {
            new YamlDagParser(registry()).parse(yaml, "x.yaml");
        } catch (DagValidationException e) {
            caught.add(e);
        }
        assertThat(caught).as("a validation error").hasSize(1);
        return caught.get(0);
    }
}
