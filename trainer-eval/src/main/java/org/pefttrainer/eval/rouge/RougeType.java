package org.pefttrainer.eval.rouge;

/** The ROUGE variants we compute, under rouge_score's names; declaration order is rouge_score's default order. */
public enum RougeType {
    /** Unigram overlap. */
    ROUGE1("rouge1"),
    /** Bigram overlap. */
    ROUGE2("rouge2"),
    /** Longest common subsequence of the whole texts (newlines are plain separators). */
    ROUGE_L("rougeL"),
    /** Summary-level union LCS over sentences, one sentence per line. */
    ROUGE_LSUM("rougeLsum");

    private final String key;

    RougeType(String key) {
        this.key = key;
    }

    /** rouge_score's (and Hugging Face evaluate's) name, e.g. {@code rougeLsum}; also our JSON key. */
    public String key() {
        return key;
    }

    /** The type named {@code key} (rouge_score's spelling), or {@code null}. */
    public static RougeType fromKey(String key) {
        for (RougeType t : values()) {
            if (t.key.equals(key)) {
                return t;
            }
        }
        return null;
    }
}
