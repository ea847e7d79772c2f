package org.pefttrainer.eval.rouge;

import java.util.List;

/**
 * A text as token ids: once per line for rougeLsum, and as a whole for rouge-N and rougeL. The whole text's
 * tokens are the lines' tokens one after the other, because a newline always separates tokens.
 */
final class TokenizedText {
    /** All tokens of the text. */
    final int[] tokens;
    /** rougeLsum's sentences: one array per non-empty line (possibly with no tokens). */
    final int[][] sentences;

    private TokenizedText(int[] tokens, int[][] sentences) {
        this.tokens = tokens;
        this.sentences = sentences;
    }

    static TokenizedText of(String text, RougeTokenizer tokenizer, TokenIds ids) {
        List<List<String>> lines = tokenizer.tokenizeLines(text);
        int[][] sentences = new int[lines.size()][];
        int total = 0;
        for (int s = 0; s < sentences.length; s++) {
            List<String> line = lines.get(s);
            int[] sentence = new int[line.size()];
            for (int k = 0; k < sentence.length; k++) {
                sentence[k] = ids.idOf(line.get(k));
            }
            sentences[s] = sentence;
            total += sentence.length;
        }
        int[] tokens = new int[total];
        int at = 0;
        for (int[] sentence : sentences) {
            System.arraycopy(sentence, 0, tokens, at, sentence.length);
            at += sentence.length;
        }
        return new TokenizedText(tokens, sentences);
    }
}
