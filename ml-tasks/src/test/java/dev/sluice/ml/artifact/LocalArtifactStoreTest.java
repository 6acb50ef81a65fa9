package dev.sluice.ml.artifact;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalArtifactStoreTest {
    @TempDir
    Path home;

    @Test
    void content_addressed_by_sha256_and_stored_once() throws Exception {
        LocalArtifactStore store = LocalArtifactStore.inHome(home);
        Path a = store.newTempFile(".txt");
        Files.writeString(a, "hello");
        Path b = store.newTempFile(".txt");
        Files.writeString(b, "hello");

        Artifact first = store.put(a, ArtifactKind.REPORT, "text/plain");
        Artifact second = store.put(b, ArtifactKind.REPORT, "text/plain");

        assertThat(first.hash()).isEqualTo("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
        assertThat(second.ref()).isEqualTo(first.ref()).startsWith("sha256:");
        assertThat(first.bytes()).isEqualTo(5);
        assertThat(Files.readString(store.localPath(first.ref()))).isEqualTo("hello");
        assertThat(store.localPath(first.ref())).startsWith(home.resolve("artifacts"));
        assertThat(Files.exists(a)).isFalse();
        assertThat(Files.exists(b)).isFalse();
    }

    @Test
    void unknown_and_malformed_references_are_refused() {
        LocalArtifactStore store = LocalArtifactStore.inHome(home);
        assertThatThrownBy(() -> store.localPath("sha256:" + "0".repeat(64))).isInstanceOf(NoSuchFileException.class);
        assertThatThrownBy(() -> store.localPath("s3://bucket/x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not an artifact reference");
    }
}
