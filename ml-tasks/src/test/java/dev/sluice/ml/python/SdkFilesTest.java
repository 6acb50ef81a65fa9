package dev.sluice.ml.python;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The SDK the worker puts on PYTHONPATH is clients/python/src, file for file and byte for byte. */
class SdkFilesTest {
    private static final Path SRC = Path.of("..", "clients", "python", "src");

    @Test
    void the_jar_holds_every_sdk_file_of_clients_python_unchanged() throws Exception {
        try (var walk = Files.walk(SRC)) {
            assertThat(walk.filter(p -> p.toString().endsWith(".py"))
                            .map(p -> SRC.relativize(p).toString().replace('\\', '/'))
                            .sorted())
                    .as("SdkFiles.FILES lists clients/python/src")
                    .containsExactlyElementsOf(SdkFiles.FILES.stream().sorted().toList());
        }
        for (String f : SdkFiles.FILES)
            assertThat(SdkFiles.contents().get(f)).as(f).isEqualTo(Files.readAllBytes(SRC.resolve(f)));
    }

    @Test
    void it_is_extracted_once_per_content_hash() throws Exception {
        Path home = Files.createTempDirectory("sluice-sdk");
        Path dir = SdkFiles.extract(home);
        assertThat(dir).isEqualTo(home.resolve("sdk").resolve(SdkFiles.hash()));
        assertThat(dir.resolve("sluice/__init__.py")).hasSameBinaryContentAs(SRC.resolve("sluice/__init__.py"));
        assertThat(SdkFiles.extract(home)).isEqualTo(dir);
        try (var left = Files.list(home.resolve("sdk"))) {
            assertThat(left).containsExactly(dir); // no temporary folders left behind
        }
    }
}
