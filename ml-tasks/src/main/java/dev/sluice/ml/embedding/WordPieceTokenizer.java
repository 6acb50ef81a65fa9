package dev.sluice.ml.embedding;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * BERT's WordPiece tokenizer as Hugging Face's fast tokenizer runs it for sentence-transformers: special tokens in the
 * raw text kept whole; then the BertNormalizer (drop NUL, U+FFFD and control characters, whitespace to a space,
 * spaces around CJK ideographs, NFD and no non-spacing marks, per-character lower case), the BertPreTokenizer (split
 * on whitespace, every punctuation character its own word), greedy longest-match-first WordPiece with {@code ##}
 * continuations ({@code [UNK]} for a word longer than 100 characters or one that cannot be spelt from the
 * vocabulary), truncation to {@code maxSeqLength - 2} pieces and {@code [CLS] … [SEP]} around them.
 *
 * <p>Character classes follow the Rust implementation, not Java's: White_Space (so U+00A0 is whitespace, which
 * {@link Character#isWhitespace} denies), "other" categories as control, ASCII symbols as punctuation.
 */
public final class WordPieceTokenizer {
    private static final int MAX_WORD_CHARS = 100;
    private static final List<String> SPECIAL = List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]");

    private final Map<String, Integer> vocab;
    private final boolean lowercase;
    private final boolean stripAccents;
    private final boolean chineseChars;
    private final int maxSeqLength;
    private final int cls;
    private final int sep;
    private final int unk;
    /** The special tokens the vocabulary has, matched in the raw text. */
    private final List<String> special = new ArrayList<>();

    public WordPieceTokenizer(
            Map<String, Integer> vocab,
            boolean lowercase,
            boolean stripAccents,
            boolean chineseChars,
            int maxSeqLength) {
        this.vocab = Map.copyOf(vocab);
        this.lowercase = lowercase;
        this.stripAccents = stripAccents;
        this.chineseChars = chineseChars;
        this.maxSeqLength = maxSeqLength;
        for (String s : List.of("[CLS]", "[SEP]", "[UNK]"))
            if (!vocab.containsKey(s)) throw new IllegalArgumentException("the vocabulary has no " + s + " token");
        this.cls = vocab.get("[CLS]");
        this.sep = vocab.get("[SEP]");
        this.unk = vocab.get("[UNK]");
        for (String s : SPECIAL) if (vocab.containsKey(s)) special.add(s);
    }

    public static WordPieceTokenizer of(Path vocabFile, EncoderConfig c) throws IOException {
        return new WordPieceTokenizer(
                readVocab(vocabFile), c.lowercase(), c.stripAccents(), c.chineseChars(), c.maxSeqLength());
    }

    /** vocab.txt: one token a line, its id the line number (from 0); trailing whitespace is not part of the token. */
    public static Map<String, Integer> readVocab(Path file) throws IOException {
        Map<String, Integer> v = new HashMap<>();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) v.putIfAbsent(lines.get(i).stripTrailing(), i);
        if (v.isEmpty()) throw new IOException(file + " is an empty vocabulary");
        return v;
    }

    /** The token ids of {@code text}, with [CLS] and [SEP], at most {@code maxSeqLength} of them. */
    public int[] encode(String text) {
        List<Integer> ids = new ArrayList<>();
        int budget = maxSeqLength - 2;
        int from = 0;
        while (from <= text.length() && ids.size() < budget) {
            int at = -1;
            String hit = null;
            for (String s : special) {
                int i = text.indexOf(s, from);
                if (i >= 0 && (at < 0 || i < at || (i == at && s.length() > hit.length()))) {
                    at = i;
                    hit = s;
                }
            }
            String piece = at < 0 ? text.substring(from) : text.substring(from, at);
            for (String word : words(normalize(piece))) {
                wordPiece(word, ids);
                if (ids.size() >= budget) break;
            }
            if (at < 0) break;
            ids.add(vocab.get(hit));
            from = at + hit.length();
        }
        int n = Math.min(ids.size(), budget);
        int[] out = new int[n + 2];
        out[0] = cls;
        for (int i = 0; i < n; i++) out[i + 1] = ids.get(i);
        out[n + 1] = sep;
        return out;
    }

    String normalize(String text) {
        StringBuilder b = new StringBuilder(text.length() + 8);
        text.codePoints().forEach(c -> {
            if (c == 0 || c == 0xFFFD || isControl(c)) return;
            if (isWhitespace(c)) b.append(' ');
            else if (chineseChars && isChinese(c))
                b.append(' ').appendCodePoint(c).append(' ');
            else b.appendCodePoint(c);
        });
        String s = b.toString();
        if (stripAccents) {
            StringBuilder t = new StringBuilder(s.length());
            Normalizer.normalize(s, Normalizer.Form.NFD).codePoints().forEach(c -> {
                if (Character.getType(c) != Character.NON_SPACING_MARK) t.appendCodePoint(c);
            });
            s = t.toString();
        }
        if (lowercase) {
            StringBuilder t = new StringBuilder(s.length());
            s.codePoints().forEach(c -> {
                // Rust's char::to_lowercase is the full mapping: only U+0130 lowercases to two characters, and it
                // knows no context (a final sigma stays σ), unlike String.toLowerCase.
                if (c == 0x130) t.append("i\u0307");
                else t.appendCodePoint(Character.toLowerCase(c));
            });
            s = t.toString();
        }
        return s;
    }

    static List<String> words(String text) {
        List<String> out = new ArrayList<>();
        StringBuilder w = new StringBuilder();
        for (int i = 0; i < text.length(); ) {
            int c = text.codePointAt(i);
            i += Character.charCount(c);
            if (isWhitespace(c)) {
                flush(w, out);
            } else if (isPunctuation(c)) {
                flush(w, out);
                out.add(new String(Character.toChars(c)));
            } else {
                w.appendCodePoint(c);
            }
        }
        flush(w, out);
        return out;
    }

    private static void flush(StringBuilder w, List<String> out) {
        if (!w.isEmpty()) out.add(w.toString());
        w.setLength(0);
    }

    private void wordPiece(String word, List<Integer> ids) {
        int[] cps = word.codePoints().toArray();
        if (cps.length > MAX_WORD_CHARS) {
            ids.add(unk);
            return;
        }
        List<Integer> pieces = new ArrayList<>();
        int start = 0;
        while (start < cps.length) {
            int end = cps.length;
            Integer found = null;
            while (start < end) {
                String sub = new String(cps, start, end - start);
                found = vocab.get(start > 0 ? "##" + sub : sub);
                if (found != null) break;
                end--;
            }
            if (found == null) {
                ids.add(unk);
                return;
            }
            pieces.add(found);
            start = end;
        }
        ids.addAll(pieces);
    }

    /** Unicode White_Space, as Rust's char::is_whitespace. */
    static boolean isWhitespace(int c) {
        return (c >= 0x09 && c <= 0x0D)
                || c == 0x20
                || c == 0x85
                || c == 0xA0
                || c == 0x1680
                || (c >= 0x2000 && c <= 0x200A)
                || c == 0x2028
                || c == 0x2029
                || c == 0x202F
                || c == 0x205F
                || c == 0x3000;
    }

    /** Categories Cc, Cf, Cn, Co, Cs, except tab, newline and carriage return (which count as whitespace). */
    static boolean isControl(int c) {
        if (c == '\t' || c == '\n' || c == '\r') return false;
        int t = Character.getType(c);
        return t == Character.CONTROL
                || t == Character.FORMAT
                || t == Character.UNASSIGNED
                || t == Character.PRIVATE_USE
                || t == Character.SURROGATE;
    }

    /** ASCII punctuation and symbols, or a Unicode punctuation category (P*). */
    static boolean isPunctuation(int c) {
        if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126)) return true;
        int t = Character.getType(c);
        return t == Character.CONNECTOR_PUNCTUATION
                || t == Character.DASH_PUNCTUATION
                || t == Character.START_PUNCTUATION
                || t == Character.END_PUNCTUATION
                || t == Character.INITIAL_QUOTE_PUNCTUATION
                || t == Character.FINAL_QUOTE_PUNCTUATION
                || t == Character.OTHER_PUNCTUATION;
    }

    /** The CJK Unified Ideographs blocks BERT splits character by character. */
    static boolean isChinese(int c) {
        return (c >= 0x4E00 && c <= 0x9FFF)
                || (c >= 0x3400 && c <= 0x4DBF)
                || (c >= 0x20000 && c <= 0x2A6DF)
                || (c >= 0x2A700 && c <= 0x2B73F)
                || (c >= 0x2B740 && c <= 0x2B81F)
                || (c >= 0x2B920 && c <= 0x2CEAF)
                || (c >= 0xF900 && c <= 0xFAFF)
                || (c >= 0x2F800 && c <= 0x2FA1F);
    }
}
