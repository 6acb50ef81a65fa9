package dev.sluice.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.ml.artifact.Artifact;
import dev.sluice.ml.artifact.ArtifactKind;
import dev.sluice.ml.artifact.ArtifactStores;
import dev.sluice.ml.artifact.LocalArtifactStore;
import dev.sluice.storage.ObjectStore;
import dev.sluice.storage.s3.MotoS3Server;
import dev.sluice.storage.s3.S3ObjectStore;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** `sluice store migrate` against a real S3-compatible server: copies a home's files once, then finds them there. */
class StoreMigrateTest {

    @AfterEach
    void clear() {
        for (String k : new String[] {"SLUICE_HOME", "aws.accessKeyId", "aws.secretAccessKey"}) System.clearProperty(k);
    }

    @Test
    void migrate_copies_artifacts_and_logs_into_the_bucket_idempotently_and_a_new_node_reads_them() throws Exception {
        MotoS3Server moto = MotoS3Server.get();
        String bucket = moto.newBucket();
        Path home = Files.createTempDirectory("sluice-embedded-home");
        LocalArtifactStore local = LocalArtifactStore.inHome(home);
        Path f = local.newTempFile(".txt");
        Files.writeString(f, "a model, say");
        Artifact art = local.put(f, ArtifactKind.MODEL, "text/plain");
        Path log = Files.createDirectories(home.resolve("logs/dag/run/task")).resolve("attempt-1.log");
        Files.writeString(log, "hello from attempt 1\n");
        System.setProperty("SLUICE_HOME", home.toString());
        System.setProperty("aws.accessKeyId", MotoS3Server.ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", MotoS3Server.SECRET_KEY);
        String url = "s3://" + bucket + "/team";
        String[] args = {
            "store",
            "migrate",
            "--to",
            url,
            "--s3-endpoint",
            moto.endpoint(),
            "--s3-region",
            "us-east-1",
            "--s3-path-style"
        };

        String first = run(args);
        assertThat(first).contains("artifacts:         1 copied").contains("logs:              1 copied");
        String again = run(args);
        assertThat(again)
                .contains("artifacts:         0 copied (0 bytes), 1 already there")
                .contains("logs:              0 copied (0 bytes), 1 already there");

        try (ObjectStore s3 = new S3ObjectStore(moto.client(), bucket, "team")) {
            assertThat(new String(s3.readAll("logs/dag/run/task/attempt-1.log"), StandardCharsets.UTF_8))
                    .isEqualTo("hello from attempt 1\n");
            // A node with an empty home reads the migrated artifact through the store.
            Path read = ArtifactStores.of(s3, Files.createTempDirectory("sluice-new-node"))
                    .localPath(art.ref());
            assertThat(read).hasContent("a model, say");
        }
    }

    @Test
    void migrate_without_a_target_or_with_an_unknown_scheme_says_what_is_wrong() throws Exception {
        System.setProperty(
                "SLUICE_HOME", Files.createTempDirectory("sluice-home").toString());
        PrintStream err = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            assertThat(SluiceCli.run("store", "migrate")).isEqualTo(2);
            assertThat(SluiceCli.run("store", "migrate", "--to", "gs://b/p")).isEqualTo(2);
        } finally {
            System.setErr(err);
        }
        assertThat(buf.toString(StandardCharsets.UTF_8)).contains("--to").contains("no store for scheme 'gs'");
    }

    private static String run(String... args) {
        PrintStream out = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            assertThat(SluiceCli.run(args)).isZero();
        } finally {
            System.setOut(out);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }
}
