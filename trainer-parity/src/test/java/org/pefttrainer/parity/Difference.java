package org.pefttrainer.parity;

/**
 * How far our values are from the reference's: the largest absolute difference, that difference relative to the
 * reference tensor's largest magnitude, and where the worst element is (flat index; -1 when all are equal).
 */
public record Difference(double maxAbs, double maxRelToMaxAbs, double referenceMaxAbs, int worstIndex) {

    public static Difference of(float[] reference, float[] ours) {
        if (reference.length != ours.length) {
            throw new AssertionError("length " + ours.length + " != reference length " + reference.length);
        }
        double scale = 0;
        for (float r : reference) {
            scale = Math.max(scale, Math.abs(r));
        }
        double maxAbs = 0;
        int worst = -1;
        for (int i = 0; i < reference.length; i++) {
            double d = Math.abs((double) reference[i] - ours[i]);
            if (Double.isNaN(d)) {
                return new Difference(Double.NaN, Double.NaN, scale, i);
            }
            if (d > maxAbs) {
                maxAbs = d;
                worst = i;
            }
        }
        return new Difference(maxAbs, scale == 0 ? maxAbs : maxAbs / scale, scale, worst);
    }
}
