package dev.sluice.ml.embedding;

import dev.sluice.ml.artifact.ArtifactStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The loaded encoders of this JVM, one per distinct (weights, vocabulary, configuration), keyed by the artifacts'
 * content hashes: every model version, task and request that uses the same model file shares one copy of its
 * weights (about 90 MB for all-MiniLM-L6-v2) and loads it once. A JVM-wide map rather than an object passed around
 * because the weights are immutable and content-addressed: two owners could only ever hold identical copies.
 * Encoders are not evicted; a node holds as many as the distinct models it has used.
 */
public final class EncoderCache {
    private static final Map<String, SentenceEncoder> LOADED = new ConcurrentHashMap<>();

    private EncoderCache() {}

    /** The encoder of these artifacts, loading it from {@code store} the first time. */
    public static SentenceEncoder get(ArtifactStore store, EncoderConfig config, String weightsRef, String vocabRef)
            throws IOException {
        String key = weightsRef + "|" + vocabRef + "|" + config;
        try {
            return LOADED.computeIfAbsent(key, k -> {
                try {
                    return SentenceEncoder.load(config, store.localPath(weightsRef), store.localPath(vocabRef));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
