package dev.sluice.server.cli;

import dev.sluice.config.SluiceConfig;
import dev.sluice.storage.LocalObjectStore;
import dev.sluice.storage.ObjectInfo;
import dev.sluice.storage.ObjectStore;
import dev.sluice.storage.ObjectStores;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sluice store}: the object store that holds artifacts, DAG version files and logs. */
@Command(
        name = "store",
        mixinStandardHelpOptions = true,
        description = "Manages the object store (SLUICE_STORE_URL).",
        subcommands = StoreCommand.Migrate.class)
final class StoreCommand {

    /** What lives in SLUICE_HOME that the shared store must have: content-addressed files, then logs. */
    static final List<String> PREFIXES = List.of("artifacts/sha256/", "dagfiles/sha256/", "logs/");

    @Command(
            name = "migrate",
            mixinStandardHelpOptions = true,
            description = "Copies SLUICE_HOME's artifacts, DAG version files and logs into an object store, e.g."
                    + " s3://bucket/prefix. Safe to run again: objects already there with the same size are skipped."
                    + " Then set SLUICE_STORE_URL (and the same S3 settings) on every node.")
    static final class Migrate implements Callable<Integer> {
        @Option(
                names = "--to",
                required = true,
                paramLabel = "URL",
                description = "the target store: s3://bucket/prefix or a directory")
        String to;

        @Option(
                names = "--s3-endpoint",
                description = "a non-AWS S3 service (MinIO, Ceph, R2); default SLUICE_S3_ENDPOINT")
        String endpoint;

        @Option(names = "--s3-region", description = "default SLUICE_S3_REGION, else the SDK's chain or us-east-1")
        String region;

        @Option(names = "--s3-path-style", description = "address buckets by path, as most non-AWS services need")
        boolean pathStyle;

        @Override
        public Integer call() throws Exception {
            SluiceConfig config = SluiceConfig.fromEnvironment();
            if (!Files.isDirectory(config.home())) {
                System.err.println("error: SLUICE_HOME " + config.home() + " is not a directory");
                return 2;
            }
            Map<String, String> settings = new HashMap<>(ObjectStores.settingsFromEnvironment());
            if (endpoint != null) settings.put("SLUICE_S3_ENDPOINT", endpoint);
            if (region != null) settings.put("SLUICE_S3_REGION", region);
            if (pathStyle) settings.put("SLUICE_S3_PATH_STYLE", "true");
            try (ObjectStore from = new LocalObjectStore(config.home());
                    ObjectStore target = ObjectStores.open(to, config.home(), settings)) {
                if (target instanceof LocalObjectStore l && l.root().equals(((LocalObjectStore) from).root())) {
                    System.err.println("error: --to names SLUICE_HOME itself (" + config.home() + ")");
                    return 2;
                }
                System.out.println("Copying " + from.url() + " into " + target.url());
                for (String prefix : PREFIXES) {
                    Counts c = copy(from, target, prefix);
                    System.out.printf(
                            "%-18s %d copied (%d bytes), %d already there%n",
                            prefix.substring(0, prefix.indexOf('/')) + ":", c.copied, c.bytes, c.present);
                }
                System.out.println("Done. Set SLUICE_STORE_URL=" + to + " on every node.");
                return 0;
            }
        }

        private static final class Counts {
            int copied;
            int present;
            long bytes;
        }

        private static Counts copy(ObjectStore from, ObjectStore to, String prefix) throws Exception {
            Counts c = new Counts();
            for (ObjectInfo o : from.list(prefix)) {
                if (o.key().contains("/.")) continue; // a writer's temporary file
                Optional<ObjectInfo> there = to.stat(o.key());
                if (there.isPresent() && there.get().size() == o.size()) {
                    c.present++;
                    continue;
                }
                to.put(o.key(), ((LocalObjectStore) from).file(o.key()));
                c.copied++;
                c.bytes += o.size();
            }
            return c;
        }
    }
}
