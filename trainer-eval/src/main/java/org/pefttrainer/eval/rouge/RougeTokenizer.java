package org.pefttrainer.eval.rouge;

import java.util.ArrayList;
import java.util.List;

/**
 * rouge_score's {@code tokenize.tokenize}: lowercase, every character outside {@code [a-z0-9]} separates tokens,
 * tokens longer than three characters are Porter-stemmed (NLTK flavour) when stemming is on.
 *
 * <p>Python lowercases with full Unicode case mapping before the {@code [^a-z0-9]+} substitution. Only two
 * non-ASCII characters lowercase to something that survives it (checked over all code points, Unicode 14):
 * KELVIN SIGN U+212A becomes {@code k}, and LATIN CAPITAL LETTER I WITH DOT ABOVE U+0130 becomes {@code i}
 * followed by a combining dot, which then splits the word ("İstanbul" gives "i", "stanbul"). Everything else
 * outside ASCII letters and digits, including accented letters, non-ASCII digits and surrogates, separates.
 * Thread-safe.
 */
public final class RougeTokenizer {
    /** Plenty for summaries' vocabularies; at ~100 bytes an entry, a few MB at most. */
    private static final int STEM_CACHE_ENTRIES = 50_000;

    private final StemCache stems;

    public RougeTokenizer(boolean useStemmer) {
        this.stems = useStemmer ? new StemCache(STEM_CACHE_ENTRIES) : null;
    }

    public boolean usesStemmer() {
        return stems != null;
    }

    /** The tokens of {@code text}, as rouge_score's tokenizer returns them. */
    public List<String> tokenize(String text) {
        List<String> tokens = new ArrayList<>();
        tokenize(text, 0, text.length(), tokens::add);
        return tokens;
    }

    /**
     * rougeLsum's sentences: the text split on {@code "\n"} only (a lone {@code "\r"} does not split; the
     * {@code "\r"} of {@code "\r\n"} is just a separator), empty lines dropped, each line tokenized. A line that
     * is not empty but has no tokens (spaces, punctuation, a lone "\r") stays, as an empty list, as in rouge_score.
     */
    public List<List<String>> tokenizeLines(String text) {
        List<List<String>> lines = new ArrayList<>();
        for (int start = 0; start <= text.length(); ) {
            int end = lineEnd(text, start);
            if (end > start) {
                List<String> tokens = new ArrayList<>();
                tokenize(text, start, end, tokens::add);
                lines.add(tokens);
            }
            start = end + 1;
        }
        return lines;
    }

    /** Where the line starting at {@code start} ends: the next "\n", or the end of the text. */
    static int lineEnd(String text, int start) {
        int end = text.indexOf('\n', start);
        return end < 0 ? text.length() : end;
    }

    /** Receives tokens one by one, in order. */
    interface TokenSink {
        void accept(String token);
    }

    /** Tokenizes {@code text[from, to)} into {@code out}. */
    void tokenize(String text, int from, int to, TokenSink out) {
        char[] token = new char[Math.max(16, to - from)];
        int length = 0;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            char lower;
            boolean endsToken = false;
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
                lower = c;
            } else if (c >= 'A' && c <= 'Z') {
                lower = (char) (c + ('a' - 'A'));
            } else if (c == '\u212A') { // KELVIN SIGN lowercases to ASCII k
                lower = 'k';
            } else if (c == '\u0130') { // lowercases to "i" + U+0307, and U+0307 separates
                lower = 'i';
                endsToken = true;
            } else {
                lower = 0;
            }
            if (lower != 0) {
                token[length++] = lower;
            }
            if ((lower == 0 || endsToken) && length > 0) {
                emit(new String(token, 0, length), out);
                length = 0;
            }
        }
        if (length > 0) {
            emit(new String(token, 0, length), out);
        }
    }

    private void emit(String token, TokenSink out) {
        String t = stems != null && token.length() > 3 ? stems.stem(token) : token;
        if (!t.isEmpty()) { // rouge_score drops empty tokens after stemming
            out.accept(t);
        }
    }
}
