package org.pefttrainer.core.data.synthetic;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * One synthetic dialogue: alternating turns of #Person1# and #Person2#, three summaries (the first is the
 * canonical one used as the training target; the others paraphrase it, as DialogSum's test has three references)
 * and a topic.
 */
record Dialogue(List<String> turns, List<String> summaries, String topic) {

    /** The dialogue in DialogSum's layout: {@code #Person1#: ...\n#Person2#: ...}. */
    String text() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < turns.size(); i++) {
            if (i > 0) {
                sb.append('\n');
            }
            sb.append(i % 2 == 0 ? "#Person1#: " : "#Person2#: ").append(turns.get(i));
        }
        return sb.toString();
    }

    /** Collects turns and picks phrasings. */
    static final class Builder {
        private final Random r;
        private final List<String> turns = new ArrayList<>();

        Builder(Random r) {
            this.r = r;
        }

        /** Adds one turn, one of {@code variants} chosen at random. */
        Builder say(String... variants) {
            turns.add(variants[r.nextInt(variants.length)]);
            return this;
        }

        Dialogue summary(String topic, String summary1, String summary2, String summary3) {
            return new Dialogue(List.copyOf(turns), List.of(summary1, summary2, summary3), topic);
        }
    }
}
