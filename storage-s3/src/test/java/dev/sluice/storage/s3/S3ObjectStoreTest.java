package dev.sluice.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.storage.ObjectStore;
import dev.sluice.storage.ObjectStoreContract;
import dev.sluice.storage.ObjectStores;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The store contract on a real S3-compatible server, plus what only S3 has: buckets, prefixes, settings. */
class S3ObjectStoreTest extends ObjectStoreContract {

    @Override
    protected ObjectStore store() throws Exception {
        MotoS3Server moto = MotoS3Server.get();
        return new S3ObjectStore(moto.client(), moto.newBucket(), "team/sluice");
    }

    @Test
    void the_store_url_opens_an_s3_store_through_the_service_loader_with_sluice_settings() throws Exception {
        MotoS3Server moto = MotoS3Server.get();
        String bucket = moto.newBucket();
        // Credentials through the SDK's standard chain (system properties here; environment variables in production).
        System.setProperty("aws.accessKeyId", MotoS3Server.ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", MotoS3Server.SECRET_KEY);
        try (ObjectStore s =
                ObjectStores.open("s3://" + bucket + "/pre/fix", java.nio.file.Path.of("/unused"), moto.settings())) {
            assertThat(s.url()).isEqualTo("s3://" + bucket + "/pre/fix/");
            s.put("x/y", "z".getBytes(StandardCharsets.UTF_8));
        }
        try (var c = moto.client()) {
            assertThat(c.getObjectAsBytes(b -> b.bucket(bucket).key("pre/fix/x/y"))
                            .asUtf8String())
                    .isEqualTo("z");
        }
    }

    @Test
    void a_missing_bucket_is_an_io_error_naming_the_store_and_never_the_secret() throws Exception {
        MotoS3Server moto = MotoS3Server.get();
        ObjectStore s = new S3ObjectStore(moto.client(), "no-such-bucket-here", "");
        assertThatThrownBy(() -> s.put("k", new byte[] {1}))
                .isInstanceOf(java.io.IOException.class)
                .hasMessageContaining("s3://no-such-bucket-here/")
                .hasMessageNotContaining(MotoS3Server.SECRET_KEY);
    }

    @Test
    void an_s3_url_without_a_bucket_is_refused() {
        Map<String, String> settings = new HashMap<>();
        assertThatThrownBy(() -> new S3ObjectStoreProvider().open(java.net.URI.create("s3:///prefix"), settings))
                .hasMessageContaining("must name a bucket");
    }
}
