package org.pefttrainer.core.model.llama;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Locale;
import org.pefttrainer.core.UserException;

/**
 * Rotary position embeddings: the inverse frequencies {@code theta^(-2i/d)} and config.json's {@code rope_scaling}
 * as transformers computes them (modeling_rope_utils): "linear" divides every frequency by the factor (positions
 * stretched), "dynamic" (NTK-aware) raises the base once the sequence passes max_position_embeddings, "llama3"
 * divides the low frequencies by the factor, keeps the high ones and blends in between.
 *
 * @param type   default, linear, dynamic or llama3
 * @param factor the scaling factor (1 for default)
 */
public record RopeScaling(String type, double theta, double factor, double lowFreqFactor, double highFreqFactor,
        int originalMaxPositionEmbeddings, int maxPositionEmbeddings) {

    static RopeScaling fromJson(JsonNode c, int maxPos, Path source) {
        double theta = c.path("rope_theta").asDouble(10000.0);
        JsonNode s = c.get("rope_scaling");
        if (s == null || s.isNull()) {
            return new RopeScaling("default", theta, 1, 0, 0, maxPos, maxPos);
        }
        String type = (s.hasNonNull("rope_type") ? s.get("rope_type") : s.path("type")).asText("").toLowerCase(Locale.ROOT);
        double factor = s.path("factor").asDouble(1.0);
        switch (type) {
            case "default":
                return new RopeScaling("default", theta, 1, 0, 0, maxPos, maxPos);
            case "linear", "dynamic":
                if (!(factor >= 1)) {
                    throw new UserException(source + ": rope_scaling.factor must be >= 1, got " + factor);
                }
                return new RopeScaling(type, theta, factor, 0, 0, maxPos, maxPos);
            case "llama3":
                return new RopeScaling(type, theta, factor, s.path("low_freq_factor").asDouble(1.0),
                        s.path("high_freq_factor").asDouble(4.0),
                        s.path("original_max_position_embeddings").asInt(8192), maxPos);
            default:
                throw new UserException(source + ": rope_scaling type '" + type + "' is not supported (linear, dynamic,"
                        + " llama3)");
        }
    }

    /** {@code 1 / theta^(2i/dim)}, i = 0..dim/2-1, computed as torch does: in float32. */
    static float[] baseInverseFrequencies(double theta, int dim) {
        float[] f = new float[dim / 2];
        for (int i = 0; i < f.length; i++) {
            float exponent = (float) (2 * i) / dim;
            f[i] = (float) (1.0 / (float) Math.pow(theta, exponent));
        }
        return f;
    }

    /** The inverse frequencies for a sequence whose keys span {@code seqLen} positions. */
    public float[] inverseFrequencies(int dim, int seqLen) {
        switch (type) {
            case "linear": {
                float[] f = baseInverseFrequencies(theta, dim);
                for (int i = 0; i < f.length; i++) {
                    f[i] = (float) (f[i] / factor);
                }
                return f;
            }
            case "dynamic": {
                if (seqLen <= maxPositionEmbeddings) {
                    return baseInverseFrequencies(theta, dim);
                }
                double base = theta * Math.pow(factor * seqLen / maxPositionEmbeddings - (factor - 1),
                        (double) dim / (dim - 2));
                return baseInverseFrequencies(base, dim);
            }
            case "llama3": {
                float[] f = baseInverseFrequencies(theta, dim);
                double lowWavelen = originalMaxPositionEmbeddings / lowFreqFactor;
                double highWavelen = originalMaxPositionEmbeddings / highFreqFactor;
                for (int i = 0; i < f.length; i++) {
                    double wavelen = 2 * Math.PI / f[i];
                    if (wavelen > lowWavelen) {
                        f[i] = (float) (f[i] / factor); // low frequencies: scaled
                    } else if (wavelen >= highWavelen) {
                        double smooth = (originalMaxPositionEmbeddings / wavelen - lowFreqFactor)
                                / (highFreqFactor - lowFreqFactor);
                        f[i] = (float) ((1 - smooth) * f[i] / factor + smooth * f[i]); // medium: blended
                    } // high frequencies: kept
                }
                return f;
            }
            default:
                return baseInverseFrequencies(theta, dim);
        }
    }
}
