package org.pefttrainer.parity;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.pefttrainer.core.io.Json;
import org.pefttrainer.core.tensor.NdArrays;

/**
 * A padded batch of {@code inputs/*.json}: right-padded source ids and mask, labels padded with -100, and the
 * decoder input ids transformers derives from the labels ({@code _shift_right}).
 */
public record Inputs(long[][] inputIds, long[][] attentionMask, long[][] labels, long[][] decoderInputIds) {
    public static Inputs read(Path file) {
        JsonNode j = Json.read(file);
        return new Inputs(Fixtures.longMatrix(j.get("input_ids")), Fixtures.longMatrix(j.get("attention_mask")),
                Fixtures.longMatrix(j.get("labels")), Fixtures.longMatrix(j.get("decoder_input_ids")));
    }

    public NDArray inputIds(NDManager m) {
        return NdArrays.fromLong2d(m, inputIds);
    }

    public NDArray attentionMask(NDManager m) {
        return NdArrays.fromLong2d(m, attentionMask);
    }

    public NDArray labels(NDManager m) {
        return NdArrays.fromLong2d(m, labels);
    }

    public NDArray decoderInputIds(NDManager m) {
        return NdArrays.fromLong2d(m, decoderInputIds);
    }
}
