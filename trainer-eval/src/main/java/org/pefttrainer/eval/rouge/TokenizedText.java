package org.pefttrainer.eval.rouge;

import java.util.ArrayList;
import java.util.Arrays;
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

    /** Lines and tokens as {@link RougeTokenizer#tokenizeLines}, straight into ids. */
    static TokenizedText of(String text, RougeTokenizer tokenizer, TokenIds ids) {
        IdBuffer all = new IdBuffer(ids);
        List<int[]> sentences = new ArrayList<>();
        for (int start = 0; start <= text.length(); ) {
            int end = RougeTokenizer.lineEnd(text, start);
            if (end > start) {
                int first = all.size;
                tokenizer.tokenize(text, start, end, all);
                sentences.add(Arrays.copyOfRange(all.ids, first, all.size));
            }
            start = end + 1;
        }
        return new TokenizedText(Arrays.copyOf(all.ids, all.size), sentences.toArray(new int[0][]));
    }

    private static final class IdBuffer implements RougeTokenizer.TokenSink {
        private final TokenIds vocabulary;
        int[] ids = new int[64];
        int size;

        IdBuffer(TokenIds vocabulary) {
            this.vocabulary = vocabulary;
        }

        @Override
        public void accept(String token) {
            if (size == ids.length) {
                ids = Arrays.copyOf(ids, 2 * size);
            }
            ids[size++] = vocabulary.idOf(token);
        }
    }
}
