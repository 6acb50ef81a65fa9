package dev.sluice.ml.embedding;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a sentence-transformers BERT model directory says about its shape and its text handling, read once from its
 * JSON files ({@code config.json}, {@code tokenizer_config.json}, {@code sentence_bert_config.json},
 * {@code 1_Pooling/config.json}, {@code modules.json}) and then stored in the fitted transform, so serving needs only
 * the weights and the vocabulary besides it.
 *
 * @param maxSeqLength tokens per text including [CLS] and [SEP]; longer texts are truncated, as sentence-transformers does
 * @param pooling {@code mean}, {@code cls} or {@code max} over the tokens
 * @param normalize whether the pooled vector is scaled to unit length (the model's Normalize module)
 */
public record EncoderConfig(
        int layers,
        int hidden,
        int heads,
        int intermediate,
        double layerNormEps,
        int vocabSize,
        int maxPositions,
        int typeVocabSize,
        int maxSeqLength,
        boolean lowercase,
        boolean stripAccents,
        boolean chineseChars,
        String pooling,
        boolean normalize) {

    public EncoderConfig {
        if (layers < 1 || hidden < 1 || heads < 1 || hidden % heads != 0 || intermediate < 1)
            throw new IllegalArgumentException("not a BERT shape: " + layers + " layers, hidden " + hidden + ", "
                    + heads + " heads, intermediate " + intermediate);
        if (maxSeqLength < 2 || maxSeqLength > maxPositions)
            throw new IllegalArgumentException(
                    "max_seq_length " + maxSeqLength + " must be between 2 and " + maxPositions);
        if (!java.util.List.of("mean", "cls", "max").contains(pooling))
            throw new IllegalArgumentException("unsupported pooling " + pooling + " (mean, cls, max)");
    }

    /** Reads the configuration of a sentence-transformers BERT model directory; a clear error for anything else. */
    public static EncoderConfig read(Path dir) throws IOException {
        ObjectMapper json = new ObjectMapper();
        JsonNode c = json.readTree(require(dir, "config.json").toFile());
        String type = c.path("model_type").asText("");
        if (!type.equals("bert"))
            throw new IOException(dir + "/config.json: model_type \"" + type + "\" is not supported (only bert)");
        String act = c.path("hidden_act").asText("gelu");
        if (!act.equals("gelu"))
            throw new IOException(dir + "/config.json: hidden_act \"" + act + "\" is not supported (only gelu)");
        String pos = c.path("position_embedding_type").asText("absolute");
        if (!pos.equals("absolute"))
            throw new IOException(
                    dir + "/config.json: position_embedding_type \"" + pos + "\" is not supported (only absolute)");
        int maxPositions = c.path("max_position_embeddings").asInt(512);

        JsonNode st = optional(json, dir.resolve("sentence_bert_config.json"));
        int maxSeq = Math.min(st.path("max_seq_length").asInt(maxPositions), maxPositions);

        JsonNode tok = optional(json, dir.resolve("tokenizer_config.json"));
        boolean lower = tok.path("do_lower_case").asBoolean(true);
        // Hugging Face's BertNormalizer: strip_accents null follows lowercase.
        JsonNode strip = tok.path("strip_accents");
        boolean stripAccents = strip.isBoolean() ? strip.asBoolean() : lower;
        boolean chinese = tok.path("tokenize_chinese_chars").asBoolean(true);

        String pooling = "mean";
        JsonNode modules = optional(json, dir.resolve("modules.json"));
        boolean normalize = false;
        for (JsonNode m : modules) {
            String mt = m.path("type").asText("");
            if (mt.endsWith(".Normalize")) normalize = true;
            if (mt.endsWith(".Pooling")) {
                JsonNode p = optional(
                        json, dir.resolve(m.path("path").asText("1_Pooling")).resolve("config.json"));
                pooling = poolingOf(dir, p);
            } else if (!mt.endsWith(".Transformer") && !mt.endsWith(".Normalize")) {
                throw new IOException(dir + "/modules.json: module " + mt
                        + " is not supported (Transformer, Pooling and Normalize are)");
            }
        }
        try {
            return new EncoderConfig(
                    c.path("num_hidden_layers").asInt(),
                    c.path("hidden_size").asInt(),
                    c.path("num_attention_heads").asInt(),
                    c.path("intermediate_size").asInt(),
                    c.path("layer_norm_eps").asDouble(1e-12),
                    c.path("vocab_size").asInt(),
                    maxPositions,
                    c.path("type_vocab_size").asInt(2),
                    maxSeq,
                    lower,
                    stripAccents,
                    chinese,
                    pooling,
                    normalize);
        } catch (IllegalArgumentException e) {
            throw new IOException(dir + ": " + e.getMessage(), e);
        }
    }

    private static String poolingOf(Path dir, JsonNode p) throws IOException {
        boolean mean = p.path("pooling_mode_mean_tokens").asBoolean(false);
        boolean cls = p.path("pooling_mode_cls_token").asBoolean(false);
        boolean max = p.path("pooling_mode_max_tokens").asBoolean(false);
        boolean sqrt = p.path("pooling_mode_mean_sqrt_len_tokens").asBoolean(false);
        int modes = (mean ? 1 : 0) + (cls ? 1 : 0) + (max ? 1 : 0) + (sqrt ? 1 : 0);
        if (modes != 1 || sqrt) throw new IOException(dir + ": pooling must be exactly one of mean, cls or max tokens");
        return mean ? "mean" : cls ? "cls" : "max";
    }

    static Path require(Path dir, String name) throws IOException {
        Path f = dir.resolve(name);
        if (!Files.isRegularFile(f))
            throw new IOException(dir + " has no " + name + " (not a sentence-transformers model directory)");
        return f;
    }

    private static JsonNode optional(ObjectMapper json, Path f) throws IOException {
        return Files.isRegularFile(f) ? json.readTree(f.toFile()) : json.createObjectNode();
    }
}
