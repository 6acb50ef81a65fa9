package dev.sluice.ml.bench;

import dev.sluice.ml.TestTaskContext;
import dev.sluice.ml.artifact.ArtifactKind;
import dev.sluice.ml.artifact.LocalArtifactStore;
import dev.sluice.ml.data.DuckDb;
import dev.sluice.ml.task.ExportTask;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Not a unit test: times ml.export on a generated dataset (default 1,000,000 rows x 32 numeric features and a text
 * label, like ml.preprocess's output) and prints the manifest's path for ml-tasks/bench/export_reader_bench.py,
 * which times the SDK's PyTorch reader against pandas on the same shards. See BENCHMARKS.md (section 6) and
 * scripts/bench-export.
 *
 * <p>Args: [rows] [work dir] [shards] [repeats].
 */
public final class ExportBenchmark {
    static final int FEATURES = 32;

    public static void main(String[] args) throws Exception {
        long rows = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000;
        Path work = args.length > 1 ? Path.of(args[1]) : Files.createTempDirectory("sluice-export-bench");
        int shards = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        int repeats = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        Path home = work.resolve("home");
        Files.createDirectories(home);
        LocalArtifactStore store = LocalArtifactStore.inHome(home);
        Path file = store.newTempFile(".parquet");
        try (DuckDb db = DuckDb.open(work, "2GB", 2)) {
            StringBuilder cols = new StringBuilder();
            for (int k = 0; k < FEATURES; k++)
                cols.append("((hash(i, ")
                        .append(k)
                        .append(") % 1000003) / 1000003.0 - 0.5) AS f")
                        .append(k)
                        .append(", ");
            db.exec("COPY (SELECT " + cols + "CASE WHEN hash(i, 99) % 4 = 0 THEN '>50K' ELSE '<=50K' END AS income"
                    + " FROM range(" + rows + ") t(i)) TO " + DuckDb.literal(file.toString())
                    + " (FORMAT parquet, COMPRESSION zstd)");
        }
        long inBytes = Files.size(file);
        String ref = store.put(file, ArtifactKind.DATASET, "application/vnd.apache.parquet")
                .ref();
        System.out.printf(
                Locale.ROOT, "dataset: %,d rows x %d features, %,d bytes of Parquet%n", rows, FEATURES, inBytes);
        String manifest = null;
        for (int r = 1; r <= repeats; r++) {
            long cpu0 = ManagementFactory.getPlatformMXBean(com.sun.management.OperatingSystemMXBean.class)
                    .getProcessCpuTime();
            long t0 = System.nanoTime();
            // Another seed per repeat: the same seed would give the same bytes, which the store then need not move.
            Map<String, Object> out = new ExportTask()
                    .execute(TestTaskContext.task("export")
                            .home(home)
                            .config("dataset", ref)
                            .config("label", "income")
                            .config("shards", shards)
                            .config("seed", r)
                            .config("threads", 2)
                            .build())
                    .output();
            double s = (System.nanoTime() - t0) / 1e9;
            double cpu = (ManagementFactory.getPlatformMXBean(com.sun.management.OperatingSystemMXBean.class)
                                    .getProcessCpuTime()
                            - cpu0)
                    / 1e9;
            long outBytes = ((Number) out.get("bytes")).longValue();
            System.out.printf(
                    Locale.ROOT,
                    "| ml.export run %d | %d shards | %.2f s | %.2f CPU s | %.1f MB/s in | %.1f MB/s out | %,.0f rows/s |%n",
                    r,
                    shards,
                    s,
                    cpu,
                    inBytes / 1e6 / s,
                    outBytes / 1e6 / s,
                    rows / s);
            manifest = store.localPath((String) out.get("manifest")).toString();
        }
        System.out.println("manifest " + manifest);
    }
}
