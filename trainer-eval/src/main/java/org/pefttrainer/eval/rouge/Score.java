package org.pefttrainer.eval.rouge;

/** Precision, recall and F1 of one ROUGE type, as rouge_score's {@code scoring.Score}. */
public record Score(double precision, double recall, double fmeasure) {

    public static final Score ZERO = new Score(0.0, 0.0, 0.0);

    /** A score whose F is rouge_score's {@code fmeasure(precision, recall)}, same operation order, 0 when both are 0. */
    public static Score of(double precision, double recall) {
        return new Score(precision, recall, fmeasure(precision, recall));
    }

    static double fmeasure(double precision, double recall) {
        return precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0.0;
    }

    /** The measure at {@code index} 0, 1, 2 = precision, recall, fmeasure (rouge_score's tuple order). */
    double get(int index) {
        switch (index) {
            case 0: return precision;
            case 1: return recall;
            case 2: return fmeasure;
            default: throw new IndexOutOfBoundsException(index);
        }
    }
}
