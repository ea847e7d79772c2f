package org.pefttrainer.core.model.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.pefttrainer.core.io.Json;

/** RoPE frequencies of each rope_scaling type against the formulas worked out here in double precision. */
class RopeScalingTest {
    static RopeScaling parse(String json) throws Exception {
        JsonNode c = Json.MAPPER.readTree(json);
        return RopeScaling.fromJson(c, c.path("max_position_embeddings").asInt(2048), Path.of("config.json"));
    }

    static double base(double theta, int i, int dim) {
        return 1.0 / Math.pow(theta, 2.0 * i / dim);
    }

    @Test
    void llama3BlendsBetweenTheWavelengthBounds() throws Exception {
        // Llama 3.2's numbers: theta 500000, factor 32, low 1, high 4, original context 8192; head_dim 64
        RopeScaling r = parse("{\"rope_theta\": 500000.0, \"max_position_embeddings\": 131072, \"rope_scaling\":"
                + " {\"rope_type\": \"llama3\", \"factor\": 32.0, \"low_freq_factor\": 1.0, \"high_freq_factor\": 4.0,"
                + " \"original_max_position_embeddings\": 8192}}");
        float[] f = r.inverseFrequencies(64, 10);
        int low = 0;
        int high = 0;
        int mid = 0;
        for (int i = 0; i < 32; i++) {
            double b = base(500000, i, 64);
            double wavelen = 2 * Math.PI / b;
            double want;
            if (wavelen < 8192 / 4.0) {
                want = b; // high frequency: unchanged
                high++;
            } else if (wavelen > 8192 / 1.0) {
                want = b / 32; // low frequency: scaled down
                low++;
            } else {
                double smooth = (8192 / wavelen - 1) / (4 - 1);
                want = (1 - smooth) * b / 32 + smooth * b;
                mid++;
            }
            assertEquals(want, f[i], 1e-6 * want, "frequency " + i); // float32, as torch computes it
        }
        assertEquals(32, low + high + mid);
        assertEquals(true, low > 0 && high > 0 && mid > 0, "all three regimes occur: " + low + "/" + mid + "/" + high);
    }

    @Test
    void dynamicRaisesTheBaseOnlyPastTheContext() throws Exception {
        RopeScaling r = parse("{\"rope_theta\": 10000.0, \"max_position_embeddings\": 16, \"rope_scaling\":"
                + " {\"type\": \"dynamic\", \"factor\": 2.0}}");
        float[] within = r.inverseFrequencies(8, 16);
        float[] past = r.inverseFrequencies(8, 20);
        // base' = 10000 * (2 * 20 / 16 - 1) ^ (8 / 6)
        double b = 10000 * Math.pow(2.0 * 20 / 16 - 1, 8.0 / 6);
        for (int i = 0; i < 4; i++) {
            assertEquals(base(10000, i, 8), within[i], 1e-7 * within[i]);
            assertEquals(base(b, i, 8), past[i], 2e-7 * past[i]);
        }
    }

    @Test
    void linearDividesEveryFrequency() throws Exception {
        RopeScaling r = parse("{\"rope_scaling\": {\"type\": \"linear\", \"factor\": 4.0}}");
        float[] f = r.inverseFrequencies(16, 100);
        for (int i = 0; i < 8; i++) {
            assertEquals(base(10000, i, 16) / 4, f[i], 1e-7 * f[i]);
        }
    }
}
