package dev.sluice.ml.embedding;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The tokenizer's rules on a tiny vocabulary, where each expected id can be checked by eye. */
class WordPieceTokenizerTest {
    private static final List<String> VOCAB = List.of(
            "[PAD]",
            "[UNK]",
            "[CLS]",
            "[SEP]",
            "[MASK]",
            "un",
            "##aff",
            "##able",
            "cafe",
            ",",
            "!",
            "a",
            "b",
            "ab",
            "東",
            "京",
            "i",
            "##stanbul",
            "σ",
            "[",
            "]",
            "sep",
            "x");
    private final WordPieceTokenizer tok = new WordPieceTokenizer(vocab(), true, true, true, 8);

    private static Map<String, Integer> vocab() {
        Map<String, Integer> v = new LinkedHashMap<>();
        for (int i = 0; i < VOCAB.size(); i++) v.put(VOCAB.get(i), i);
        return v;
    }

    private static int id(String token) {
        return VOCAB.indexOf(token);
    }

    @Test
    void greedy_longest_match_first_with_continuations() {
        assertThat(tok.encode("unaffable")).containsExactly(2, id("un"), id("##aff"), id("##able"), 3);
    }

    @Test
    void a_word_that_cannot_be_spelt_is_one_unknown_token() {
        assertThat(tok.encode("unaffx")).containsExactly(2, id("[UNK]"), 3);
    }

    @Test
    void accents_case_punctuation_and_cjk_are_split_and_folded() {
        assertThat(tok.encode("CAFÉ,東京!")).containsExactly(2, id("cafe"), id(","), id("東"), id("京"), id("!"), 3);
    }

    @Test
    void dotted_capital_i_and_sigma_follow_the_rust_rules() {
        // İ loses its dot to accent stripping before lower-casing; Σ lower-cases to σ even at a word's end.
        assertThat(tok.encode("İstanbul Σ")).containsExactly(2, id("i"), id("##stanbul"), id("σ"), 3);
    }

    @Test
    void control_characters_vanish_while_nbsp_separates() {
        // U+000B is a control character (removed, joining a and b); U+00A0 is whitespace.
        assertThat(tok.encode("a\u000Bb a\u00A0b")).containsExactly(2, id("ab"), id("a"), id("b"), 3);
    }

    @Test
    void special_tokens_are_matched_in_the_raw_text_only_in_their_case() {
        assertThat(tok.encode("a[SEP]b [sep]"))
                .containsExactly(2, id("a"), id("[SEP]"), id("b"), id("["), id("sep"), id("]"), 3);
    }

    @Test
    void long_input_is_truncated_to_max_seq_length_with_cls_and_sep() {
        assertThat(tok.encode("a b a b a b a b a b")).containsExactly(2, 11, 12, 11, 12, 11, 12, 3);
        assertThat(tok.encode("")).containsExactly(2, 3);
    }

    @Test
    void a_word_over_100_characters_is_unknown() {
        assertThat(tok.encode("a".repeat(101) + " a")).containsExactly(2, id("[UNK]"), id("a"), 3);
    }
}
