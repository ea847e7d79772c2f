package org.pefttrainer.core.model.t5;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.data.SharedData;
import org.pefttrainer.core.io.Json;

/**
 * config.json as transformers 4.33's T5Config reads it (defaults from its __init__), and the published parameter
 * counts of ../shared/README.md computed from the architecture's shapes.
 */
class T5ConfigTest {

    private static T5Config shared(String model) {
        return T5Config.fromFile(SharedData.path("models/" + model + "/config.json"));
    }

    private static long parameters(T5Config c) {
        long n = 0;
        for (long[] shape : T5Architecture.parameterShapes(c).values()) {
            long p = 1;
            for (long d : shape) {
                p *= d;
            }
            n += p;
        }
        return n;
    }

    @Test
    void t5SmallFillsOmittedKeysWithTransformersDefaults() {
        // the file omits num_decoder_layers, feed_forward_proj, relative_attention_max_distance, tie_word_embeddings
        T5Config c = shared("t5-small");
        assertEquals(new T5Config(32128, 512, 64, 2048, 6, 6, 8, 32, 128, 0.1, 1e-6, "relu", false, true, 0, 1, 0), c);
        assertEquals(60_506_624L, parameters(c));
    }

    @Test
    void flanConfigs() {
        T5Config small = shared("flan-t5-small");
        assertEquals(new T5Config(32128, 512, 64, 1024, 8, 8, 6, 32, 128, 0.1, 1e-6, "gelu_new", true, false, 0, 1, 0),
                small);
        assertEquals(76_961_152L, parameters(small));
        T5Config base = shared("flan-t5-base");
        assertEquals(new T5Config(32128, 768, 64, 2048, 12, 12, 12, 32, 128, 0.1, 1e-6, "gelu_new", true, false, 0, 1, 0),
                base);
        assertEquals(247_577_856L, parameters(base));
        T5Config large = shared("flan-t5-large");
        assertEquals(new T5Config(32128, 1024, 64, 2816, 24, 24, 16, 32, 128, 0.1, 1e-6, "gelu_new", true, false, 0, 1, 0),
                large);
        assertEquals(783_150_080L, parameters(large));
    }

    /** init-model's preset of that name with T5's vocabulary. */
    private static T5Config preset(String size) {
        return T5Config.fromJson(org.pefttrainer.core.model.init.ModelInitializer.preset("t5", size)
                .put("vocab_size", 32128), java.nio.file.Path.of("preset"));
    }

    @Test
    void presetsHaveThePublishedShapes() {
        assertEquals(60_506_624L, parameters(preset("small")));
        assertEquals(76_961_152L, parameters(preset("flan-t5-small")));
        assertEquals(247_577_856L, parameters(preset("flan-t5-base")));
        assertEquals(783_150_080L, parameters(preset("flan-t5-large")));
    }

    @Test
    void emptyConfigIsTransformersT5ConfigDefaults() {
        T5Config c = T5Config.fromJson(Json.MAPPER.createObjectNode().put("model_type", "t5"), Path.of("config.json"));
        assertEquals(new T5Config(32128, 512, 64, 2048, 6, 6, 8, 32, 128, 0.1, 1e-6, "relu", false, true, 0, 1, 0), c);
    }

    @Test
    void decoderDefaultsFollowTheEncoderAndPad() throws Exception {
        JsonNode n = Json.MAPPER.readTree("{\"model_type\":\"t5\",\"num_layers\":3,\"pad_token_id\":5}");
        T5Config c = T5Config.fromJson(n, Path.of("x.json"));
        assertEquals(3, c.numDecoderLayers());
        assertEquals(5, c.decoderStartTokenId());
        JsonNode nul = Json.MAPPER.readTree("{\"model_type\":\"t5\",\"num_layers\":4,\"num_decoder_layers\":null}");
        assertEquals(4, T5Config.fromJson(nul, Path.of("x.json")).numDecoderLayers());
    }

    @Test
    void feedForwardProjVariants() throws Exception {
        assertEquals("gelu_new", parse("gated-gelu").denseActFn()); // transformers' backwards-compatible mapping
        assertTrue(parse("gated-gelu").gatedAct());
        assertEquals("silu", parse("gated-silu").denseActFn());
        assertEquals("gelu", parse("gelu").denseActFn());
        assertFalse(parse("gelu").gatedAct());
        assertEquals("gelu_new", parse("gated-gelu_new").denseActFn());
        assertThrows(UserException.class, () -> parse("gated-relu-extra"));
        assertThrows(UserException.class, () -> parse("ungated-relu"));
        assertThrows(UserException.class, () -> parse("tanh"));
    }

    private static T5Config parse(String proj) throws Exception {
        return T5Config.fromJson(Json.MAPPER.readTree("{\"model_type\":\"t5\",\"feed_forward_proj\":\"" + proj + "\"}"),
                Path.of("config.json"));
    }

    @Test
    void badValuesNameTheKey() throws Exception {
        UserException e = assertThrows(UserException.class, () -> T5Config.fromJson(
                Json.MAPPER.readTree("{\"model_type\":\"t5\",\"d_model\":\"512\"}"), Path.of("cfg/config.json")));
        assertTrue(e.getMessage().contains("d_model") && e.getMessage().contains("cfg/config.json"), e.getMessage());
        UserException t = assertThrows(UserException.class, () -> T5Config.fromJson(
                Json.MAPPER.readTree("{\"model_type\":\"bart\"}"), Path.of("config.json")));
        assertTrue(t.getMessage().contains("bart"));
        assertThrows(UserException.class, () -> T5Config.fromJson(
                Json.MAPPER.readTree("{\"model_type\":\"t5\",\"num_heads\":7.5}"), Path.of("config.json")));
    }

    @Test
    void toJsonReadsBackTheSameConfig() {
        for (String m : new String[] {"t5-small", "flan-t5-small"}) {
            T5Config c = shared(m);
            assertEquals(c, T5Config.fromJson(c.toJson(), Path.of("config.json")));
        }
    }
}
