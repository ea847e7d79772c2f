package org.pefttrainer.serve;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * One generated sequence's text as its tokens arrive: what may be sent so far, and where a stop string ends it.
 * The text is the decoding of every token so far, stripped as {@code /generate} strips it, so that the pieces sent
 * add up to exactly the text a non-streamed request gets. A piece is held back while it could still change: a
 * trailing replacement character (half of a multi-byte character), trailing whitespace (stripped at the end), or a
 * tail that could be the start of a stop string (never sent).
 */
final class TextStream {
    private final Function<long[], String> decode;
    private final List<String> stops;
    private final List<Long> tokens = new ArrayList<>();
    /** How many of the tokens {@link #text} was decoded from. */
    private int decoded;
    private String text = "";
    private int sent;
    private boolean stopped;
    private boolean eos;

    TextStream(Function<long[], String> decode, List<String> stops) {
        this.decode = decode;
        this.stops = List.copyOf(stops);
    }

    /**
     * Takes one token ({@code isEos}: the model's end); false once a stop string has appeared. Without stop strings
     * nothing is decoded here: this runs inside the batched decoding, and the text is decoded when it is read.
     */
    synchronized boolean accept(long token, boolean isEos) {
        if (stopped || eos) {
            return false;
        }
        tokens.add(token);
        eos = isEos;
        if (!stops.isEmpty()) {
            refresh();
        }
        return !stopped;
    }

    /** Decodes the tokens taken since the last time and cuts the text before the first stop string in it. */
    private void refresh() {
        if (stopped || decoded == tokens.size()) {
            return;
        }
        decoded = tokens.size();
        String full = decode.apply(tokens.stream().mapToLong(Long::longValue).toArray()).stripLeading();
        int cut = -1;
        for (String s : stops) {
            int at = full.indexOf(s);
            if (at >= 0 && (cut < 0 || at < cut)) {
                cut = at;
            }
        }
        stopped = cut >= 0;
        text = stopped ? full.substring(0, cut).stripTrailing() : full;
    }

    synchronized boolean stopped() {
        return stopped;
    }

    /** Whether the sequence ended with the model's EOS. */
    synchronized boolean endedByEos() {
        return eos;
    }

    /** Tokens generated (an EOS included). */
    synchronized int tokenCount() {
        return tokens.size();
    }

    /** The text (final once the sequence has ended): stripped, cut before a stop string. */
    synchronized String text() {
        refresh();
        return stopped ? text : text.strip();
    }

    /** What can be sent now that was not sent before (empty when nothing is safe yet); {@code end}: flush all. */
    synchronized String next(boolean end) {
        String t = text();
        int safe = t.length();
        if (!end && !stopped) {
            t = text; // unstripped at the end: trailing whitespace is held back below
            safe = t.length();
            while (safe > 0 && (Character.isWhitespace(t.charAt(safe - 1)) || t.charAt(safe - 1) == '\uFFFD')) {
                safe--;
            }
            for (String s : stops) {
                for (int k = Math.min(s.length() - 1, safe); k > 0; k--) {
                    if (t.startsWith(s.substring(0, k), safe - k)) {
                        safe -= k;
                        break;
                    }
                }
            }
        }
        if (safe <= sent) {
            return "";
        }
        String piece = t.substring(sent, safe);
        sent = safe;
        return piece;
    }
}
