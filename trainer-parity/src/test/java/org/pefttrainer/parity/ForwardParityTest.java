package org.pefttrainer.parity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.pefttrainer.core.io.hf.CheckpointReader;
import org.pefttrainer.core.io.hf.HfModelFolder;
import org.pefttrainer.core.model.EncoderOutput;
import org.pefttrainer.core.model.ForwardContext;
import org.pefttrainer.core.model.t5.T5Config;
import org.pefttrainer.core.model.t5.T5Model;
import org.pefttrainer.core.tensor.Ops;

/**
 * Every fixture checkpoint (single-file, 4 shards + index, BF16, F16) loads with T5Loader into the architecture the
 * manifest describes; the encoder output, logits and loss of the eval-mode forward pass equal transformers'.
 */
class ForwardParityTest extends ParityTestBase {
    ForwardParityTest() {
        super("forward");
    }

    @TestFactory
    Stream<DynamicTest> checkpointsLoad() {
        return Fixtures.tests(Fixtures.CHECKPOINT, this::checkCheckpoint);
    }

    @TestFactory
    Stream<DynamicTest> forwardMatchesTransformers() {
        return Fixtures.tests(Fixtures.FORWARD, this::checkForward);
    }

    private void checkCheckpoint(JsonNode kase) {
        String name = kase.get("checkpoint").asText();
        HfModelFolder folder = HfModelFolder.open(Fixtures.path(kase, "dir"));
        try (CheckpointReader ckpt = folder.openWeights()) {
            // every shard is read, and nothing but the stored tensors is
            assertEquals(new TreeSet<>(Fixtures.strings(kase.get("stored_tensors"))),
                    new TreeSet<>(ckpt.tensors().keySet()), name + " stored tensors");
            assertEquals(kase.get("weight_files").size(), ckpt.files().size(), name + " weight files");
            ckpt.tensors().values().forEach(t -> assertEquals(kase.get("stored_dtype").asText(), t.dtype().name(),
                    name + " " + t.name() + " dtype"));
        }
        try (NDManager m = manager.newSubManager()) {
            T5Model model = Fixtures.load(name, m, null);
            T5Config c = model.config();
            boolean v11 = kase.get("t5_version").asText().equals("1.1");
            assertEquals(v11, c.gatedAct(), name + " gated (T5 v1.1) feed-forward");
            assertEquals(kase.get("feed_forward_proj").asText(), (c.gatedAct() ? "gated-" : "")
                    + (c.denseActFn().equals("gelu_new") ? "gelu" : c.denseActFn()), name + " feed_forward_proj");
            assertEquals(kase.get("tie_word_embeddings").asBoolean(), c.tieWordEmbeddings(), name + " tied head");
            assertEquals(kase.get("vocab_size").asInt(), c.vocabSize(), name + " vocab");
            assertEquals(kase.get("relative_attention_num_buckets").asInt(), c.relativeAttentionNumBuckets());
            assertEquals(kase.get("relative_attention_max_distance").asInt(), c.relativeAttentionMaxDistance());
            if (c.tieWordEmbeddings()) {
                assertEquals("shared.weight", model.weights().resolve("lm_head.weight"), name + " lm_head tied");
            } else {
                assertTrue(model.weights().arrays().containsKey("lm_head.weight"), name + " own lm_head");
            }
            JsonNode twin = kase.get("same_weights_as");
            if (!twin.isNull()) {
                checkRoundedFrom(name, model, twin.asText(), kase.get("stored_dtype").asText(), m);
            }
        }
    }

    /**
     * A half-precision checkpoint holds its fp32 twin's weights rounded to nearest: after our upcast every value is
     * within half an ulp of the twin's (bf16: 8 significant bits, f16: 11, with f16's subnormal spacing 2^-24).
     */
    private void checkRoundedFrom(String name, T5Model half, String twinName, String dtype, NDManager m) {
        T5Model twin = Fixtures.load(twinName, m, null);
        int bits = dtype.equals("BF16") ? 8 : 11;
        double worst = 0;
        for (Map.Entry<String, NDArray> e : twin.weights().arrays().entrySet()) {
            float[] want = e.getValue().toFloatArray();
            float[] got = half.weights().get(e.getKey()).toFloatArray();
            for (int i = 0; i < want.length; i++) {
                double ulp = Math.max(Math.scalb(1.0, Math.getExponent(want[i]) - (bits - 1)),
                        dtype.equals("F16") ? 0x1p-24 : 0);
                double d = Math.abs(got[i] - want[i]);
                worst = Math.max(worst, d / ulp);
                assertTrue(d <= ulp / 2, name + " " + e.getKey() + "[" + i + "] = " + got[i]
                        + " is not " + twinName + "'s " + want[i] + " rounded to " + dtype);
            }
        }
        report.recordExact(name, "weights = " + twinName + " rounded to " + dtype + " (worst " + worst + " ulp)");
    }

    private void checkForward(JsonNode kase) {
        String id = Fixtures.id(kase);
        assertEquals("eval", kase.get("mode").asText(), id);
        Map<String, RefTensor> ref = Fixtures.tensors(kase, "outputs");
        Inputs in = Fixtures.inputs(kase);
        try (NDManager m = manager.newSubManager()) {
            T5Model model = Fixtures.loadModel(kase, m);
            ForwardContext ctx = ForwardContext.inference(m);
            EncoderOutput enc = model.encode(ctx, in.inputIds(m), in.attentionMask(m));
            NDArray logits = model.decode(ctx, enc, in.decoderInputIds(m), null);
            NDArray loss = Ops.crossEntropy(logits, in.labels(m));
            compare(id, "encoder_last_hidden_state", ref, enc.hidden());
            compare(id, "logits", ref, logits);
            report.check(id, "loss", ref.get("loss").scalar(), loss.getFloat(), Tolerance.FP32);
            assertEquals(kase.get("loss").asDouble(), ref.get("loss").scalar(), 0.0, id + " manifest loss");
        }
    }

    private void compare(String id, String name, Map<String, RefTensor> ref, NDArray ours) {
        RefTensor r = ref.get(name);
        assertArrayEquals(r.shape(), ours.getShape().getShape(), id + " " + name + " shape");
        report.check(id, name, r, ours.toFloatArray(), Tolerance.FP32);
    }
}
