package dev.sluice.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;

class LocalObjectStoreTest extends ObjectStoreContract {
    @Override
    protected ObjectStore store() throws Exception {
        return new LocalObjectStore(Files.createTempDirectory(tmp, "store"));
    }

    @org.junit.jupiter.api.Test
    void opens_a_local_store_for_no_url_a_path_or_a_file_url() throws Exception {
        var dir = tmp.resolve("d");
        assertThat(ObjectStores.open(null, dir, java.util.Map.of())).isInstanceOf(LocalObjectStore.class);
        assertThat(ObjectStores.open(dir.toString(), dir, java.util.Map.of()).url())
                .isEqualTo(dir.toRealPath().toUri().toString());
        assertThat(ObjectStores.open(dir.toUri().toString(), tmp, java.util.Map.of()))
                .isInstanceOf(LocalObjectStore.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ObjectStores.open("gs://b/p", dir, java.util.Map.of()))
                .hasMessageContaining("no store for scheme 'gs'");
    }
}
