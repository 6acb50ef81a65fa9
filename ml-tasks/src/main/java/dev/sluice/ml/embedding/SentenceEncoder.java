package dev.sluice.ml.embedding;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A sentence-transformers BERT model in plain Java: tokenizer, the BERT encoder's forward pass, pooling and
 * normalisation, computing what {@code SentenceTransformer.encode} computes in float32 (within 1e-4 per component,
 * see the fidelity test) with no native code and no Python.
 *
 * <p>Texts are encoded without padding: the tokens of a batch of texts are packed into one matrix, every dense layer
 * (most of the work) runs once over all of them, and only attention looks at a text's own tokens. A text's result
 * therefore does not depend on the other texts of its batch, bit for bit, so training and serving agree exactly
 * however they batch. Weights are transposed to {@code [in][out]} rows so the inner loop of a matrix product is
 * {@code out[j] += a * w[j]} over contiguous floats, which C2 compiles to SIMD instructions.
 *
 * <p>Immutable after loading and safe to share between threads.
 */
public final class SentenceEncoder {
    /** Tokens per forward pass: bounds the activations (tokens × intermediate floats) to a few megabytes. */
    private static final int TOKENS_PER_PASS = 2048;

    private final EncoderConfig config;
    private final WordPieceTokenizer tokenizer;
    private final float[][] wordEmbeddings;
    private final float[][] positionEmbeddings;
    private final float[] tokenType0;
    private final float[] embGamma;
    private final float[] embBeta;
    private final Layer[] layers;

    private record Layer(
            float[][] q,
            float[] qb,
            float[][] k,
            float[] kb,
            float[][] v,
            float[] vb,
            float[][] attnOut,
            float[] attnOutB,
            float[] attnGamma,
            float[] attnBeta,
            float[][] up,
            float[] upB,
            float[][] down,
            float[] downB,
            float[] outGamma,
            float[] outBeta) {}

    private SentenceEncoder(
            EncoderConfig config,
            WordPieceTokenizer tokenizer,
            float[][] wordEmbeddings,
            float[][] positionEmbeddings,
            float[] tokenType0,
            float[] embGamma,
            float[] embBeta,
            Layer[] layers) {
        this.config = config;
        this.tokenizer = tokenizer;
        this.wordEmbeddings = wordEmbeddings;
        this.positionEmbeddings = positionEmbeddings;
        this.tokenType0 = tokenType0;
        this.embGamma = embGamma;
        this.embBeta = embBeta;
        this.layers = layers;
    }

    /** Loads the weights ({@code model.safetensors} layout of a Hugging Face BertModel) and the vocabulary. */
    public static SentenceEncoder load(EncoderConfig c, Path weights, Path vocab) throws IOException {
        Safetensors st = Safetensors.open(weights);
        // Some exports prefix every tensor with the model's name.
        String p = st.names().contains("embeddings.word_embeddings.weight") ? "" : "bert.";
        int h = c.hidden();
        int f = c.intermediate();
        float[][] word = st.matrix(p + "embeddings.word_embeddings.weight", c.vocabSize(), h);
        float[][] pos = st.matrix(p + "embeddings.position_embeddings.weight", c.maxPositions(), h);
        float[] type = st.floats(p + "embeddings.token_type_embeddings.weight", c.typeVocabSize(), h);
        Layer[] layers = new Layer[c.layers()];
        for (int l = 0; l < layers.length; l++) {
            String n = p + "encoder.layer." + l + ".";
            layers[l] = new Layer(
                    st.linearTransposed(n + "attention.self.query.weight", h, h),
                    st.floats(n + "attention.self.query.bias", h),
                    st.linearTransposed(n + "attention.self.key.weight", h, h),
                    st.floats(n + "attention.self.key.bias", h),
                    st.linearTransposed(n + "attention.self.value.weight", h, h),
                    st.floats(n + "attention.self.value.bias", h),
                    st.linearTransposed(n + "attention.output.dense.weight", h, h),
                    st.floats(n + "attention.output.dense.bias", h),
                    st.floats(n + "attention.output.LayerNorm.weight", h),
                    st.floats(n + "attention.output.LayerNorm.bias", h),
                    st.linearTransposed(n + "intermediate.dense.weight", f, h),
                    st.floats(n + "intermediate.dense.bias", f),
                    st.linearTransposed(n + "output.dense.weight", h, f),
                    st.floats(n + "output.dense.bias", h),
                    st.floats(n + "output.LayerNorm.weight", h),
                    st.floats(n + "output.LayerNorm.bias", h));
        }
        WordPieceTokenizer tok = WordPieceTokenizer.of(vocab, c);
        return new SentenceEncoder(
                c,
                tok,
                word,
                pos,
                java.util.Arrays.copyOf(type, h),
                st.floats(p + "embeddings.LayerNorm.weight", h),
                st.floats(p + "embeddings.LayerNorm.bias", h),
                layers);
    }

    public EncoderConfig config() {
        return config;
    }

    public int dimensions() {
        return config.hidden();
    }

    public WordPieceTokenizer tokenizer() {
        return tokenizer;
    }

    /** The embedding of each text, in order; a null text is encoded as the empty text. */
    public float[][] encode(List<String> texts) {
        int n = texts.size();
        int[][] ids = new int[n][];
        for (int i = 0; i < n; i++) {
            String t = texts.get(i);
            ids[i] = tokenizer.encode(t == null ? "" : t);
            for (int id : ids[i])
                if (id < 0 || id >= wordEmbeddings.length)
                    throw new IllegalStateException("token id " + id + " is outside the embedding table");
        }
        float[][] out = new float[n][];
        int from = 0;
        while (from < n) {
            int to = from;
            int tokens = 0;
            while (to < n && (to == from || tokens + ids[to].length <= TOKENS_PER_PASS)) tokens += ids[to++].length;
            forward(ids, from, to, tokens, out);
            from = to;
        }
        return out;
    }

    public float[] encode(String text) {
        return encode(java.util.Collections.singletonList(text))[0];
    }

    private void forward(int[][] ids, int from, int to, int tokens, float[][] out) {
        int h = config.hidden();
        float[][] x = new float[tokens][h];
        int r = 0;
        for (int s = from; s < to; s++) {
            for (int i = 0; i < ids[s].length; i++, r++) {
                float[] w = wordEmbeddings[ids[s][i]];
                float[] p = positionEmbeddings[i];
                float[] row = x[r];
                for (int j = 0; j < h; j++) row[j] = w[j] + tokenType0[j] + p[j];
                layerNorm(row, embGamma, embBeta);
            }
        }
        float[][] q = new float[tokens][h];
        float[][] k = new float[tokens][h];
        float[][] v = new float[tokens][h];
        float[][] ctx = new float[tokens][h];
        float[][] a = new float[tokens][h];
        float[][] up = new float[tokens][config.intermediate()];
        for (Layer l : layers) {
            linear(x, l.q, l.qb, q);
            linear(x, l.k, l.kb, k);
            linear(x, l.v, l.vb, v);
            int first = 0;
            for (int s = from; s < to; s++) {
                attention(q, k, v, ctx, first, ids[s].length);
                first += ids[s].length;
            }
            linear(ctx, l.attnOut, l.attnOutB, a);
            for (int t = 0; t < tokens; t++) {
                addInPlace(a[t], x[t]);
                layerNorm(a[t], l.attnGamma, l.attnBeta);
            }
            linear(a, l.up, l.upB, up);
            for (float[] row : up) for (int j = 0; j < row.length; j++) row[j] = gelu(row[j]);
            linear(up, l.down, l.downB, x);
            for (int t = 0; t < tokens; t++) {
                addInPlace(x[t], a[t]);
                layerNorm(x[t], l.outGamma, l.outBeta);
            }
        }
        int first = 0;
        for (int s = from; s < to; s++) {
            out[s] = pool(x, first, ids[s].length);
            first += ids[s].length;
        }
    }

    private float[] pool(float[][] x, int first, int len) {
        int h = config.hidden();
        float[] e = new float[h];
        switch (config.pooling()) {
            case "cls" -> System.arraycopy(x[first], 0, e, 0, h);
            case "max" -> {
                System.arraycopy(x[first], 0, e, 0, h);
                for (int t = first + 1; t < first + len; t++)
                    for (int j = 0; j < h; j++) e[j] = Math.max(e[j], x[t][j]);
            }
            default -> {
                for (int j = 0; j < h; j++) {
                    double sum = 0;
                    for (int t = first; t < first + len; t++) sum += x[t][j];
                    e[j] = (float) (sum / len);
                }
            }
        }
        if (config.normalize()) {
            double norm = 0;
            for (float f : e) norm += (double) f * f;
            double scale = Math.max(Math.sqrt(norm), 1e-12);
            for (int j = 0; j < h; j++) e[j] = (float) (e[j] / scale);
        }
        return e;
    }

    /** Scaled dot-product self-attention of one text's tokens {@code [first, first + len)}, head by head. */
    private void attention(float[][] q, float[][] k, float[][] v, float[][] ctx, int first, int len) {
        int heads = config.heads();
        int d = config.hidden() / heads;
        double scale = 1.0 / Math.sqrt(d);
        double[] p = new double[len];
        for (int hd = 0; hd < heads; hd++) {
            int off = hd * d;
            for (int i = 0; i < len; i++) {
                float[] qi = q[first + i];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < len; j++) {
                    float[] kj = k[first + j];
                    float dot = 0;
                    for (int c = 0; c < d; c++) dot += qi[off + c] * kj[off + c];
                    p[j] = dot * scale;
                    if (p[j] > max) max = p[j];
                }
                double sum = 0;
                for (int j = 0; j < len; j++) {
                    p[j] = Math.exp(p[j] - max);
                    sum += p[j];
                }
                float[] o = ctx[first + i];
                for (int c = 0; c < d; c++) o[off + c] = 0;
                for (int j = 0; j < len; j++) {
                    float w = (float) (p[j] / sum);
                    float[] vj = v[first + j];
                    for (int c = 0; c < d; c++) o[off + c] += w * vj[off + c];
                }
            }
        }
    }

    /**
     * {@code out = x · w + b} for {@code w} in {@code [in][out]} rows. Four token rows share each weight row while it
     * is in cache; every access in the inner loop is at index {@code j}, so C2 vectorises it without aliasing doubts.
     */
    static void linear(float[][] x, float[][] w, float[] b, float[][] out) {
        int tokens = x.length;
        int in = w.length;
        int t = 0;
        for (; t + 4 <= tokens; t += 4) {
            float[] o0 = out[t];
            float[] o1 = out[t + 1];
            float[] o2 = out[t + 2];
            float[] o3 = out[t + 3];
            System.arraycopy(b, 0, o0, 0, b.length);
            System.arraycopy(b, 0, o1, 0, b.length);
            System.arraycopy(b, 0, o2, 0, b.length);
            System.arraycopy(b, 0, o3, 0, b.length);
            float[] x0 = x[t];
            float[] x1 = x[t + 1];
            float[] x2 = x[t + 2];
            float[] x3 = x[t + 3];
            for (int k = 0; k < in; k++) {
                float a0 = x0[k];
                float a1 = x1[k];
                float a2 = x2[k];
                float a3 = x3[k];
                float[] wk = w[k];
                for (int j = 0; j < wk.length; j++) {
                    float wj = wk[j];
                    o0[j] += a0 * wj;
                    o1[j] += a1 * wj;
                    o2[j] += a2 * wj;
                    o3[j] += a3 * wj;
                }
            }
        }
        for (; t < tokens; t++) {
            float[] o = out[t];
            System.arraycopy(b, 0, o, 0, b.length);
            float[] xt = x[t];
            for (int k = 0; k < in; k++) {
                float a = xt[k];
                float[] wk = w[k];
                for (int j = 0; j < wk.length; j++) o[j] += a * wk[j];
            }
        }
    }

    private static void addInPlace(float[] a, float[] b) {
        for (int j = 0; j < a.length; j++) a[j] += b[j];
    }

    private void layerNorm(float[] x, float[] gamma, float[] beta) {
        double mean = 0;
        for (float f : x) mean += f;
        mean /= x.length;
        double var = 0;
        for (float f : x) var += (f - mean) * (f - mean);
        var /= x.length;
        double inv = 1.0 / Math.sqrt(var + config.layerNormEps());
        for (int j = 0; j < x.length; j++) x[j] = (float) ((x[j] - mean) * inv * gamma[j] + beta[j]);
    }

    /** The exact (erf) GELU of BERT's "gelu", computed in double and rounded once. */
    static float gelu(float x) {
        return (float) (0.5 * x * (1.0 + Erf.erf(x * 0.7071067811865476)));
    }
}
