package org.pefttrainer.core.model;

import org.pefttrainer.core.model.registry.Architectures;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.io.Json;

/** The model_type registry on the real configs of ../shared/models: parameter counts as the model cards give them. */
class ArchitecturesTest {
    static final Path MODELS = Path.of("..", "..", "shared", "models");

    @ParameterizedTest
    @CsvSource({
        // published totals (tied embeddings counted once): SmolLM2-135M, Llama 3.2 1B, Qwen2.5 0.5B, GPT-2 124M
        "smollm2-135m, 134515008, 30",
        "llama-3.2-1b, 1235814400, 16",
        "qwen2.5-0.5b, 494032768, 24",
        "gpt2, 124439808, 12",
        "t5-small, 60506624, 6"})
    void parameterCountsOfRealConfigs(String model, long params, int layers) {
        Path file = MODELS.resolve(model).resolve("config.json");
        JsonNode c = Json.read(file);
        ModelLayout layout = Architectures.of(c, file).layout(c, file);
        long n = layout.parameterShapes().values().stream().mapToLong(s -> {
            long p = 1;
            for (long d : s) {
                p *= d;
            }
            return p;
        }).sum();
        assertEquals(params, n, model);
        assertTrue(layout.linearModules().contains("lm_head"), "lm_head is a linear module (all-linear skips it)");
        String first = layout.linearModules().get(0);
        assertTrue(first.contains(".0."), first);
        assertTrue(layout.linearModules().stream().anyMatch(m -> m.contains("." + (layers - 1) + ".")), model);
    }

    @Test
    void qwen2HasBiasesOnQkvOnly() {
        Path file = MODELS.resolve("qwen2.5-0.5b/config.json");
        JsonNode c = Json.read(file);
        ModelLayout l = Architectures.of(c, file).layout(c, file);
        assertTrue(l.parameterShapes().containsKey("model.layers.0.self_attn.q_proj.bias"));
        assertTrue(!l.parameterShapes().containsKey("model.layers.0.self_attn.o_proj.bias"));
        // GQA 14/2 heads of 64: k and v project to 128
        assertEquals(128, l.shape("model.layers.0.self_attn.k_proj.weight")[0]);
        assertEquals("model.embed_tokens.weight", l.resolve("lm_head.weight"), "tied");
    }

    @Test
    void anUnknownModelTypeIsAOneLineErrorListingTheSupportedOnes() throws Exception {
        UserException e = assertThrows(UserException.class,
                () -> Architectures.of(Json.MAPPER.readTree("{\"model_type\": \"bert\"}"), Path.of("x/config.json")));
        assertEquals("x/config.json: model_type 'bert' is not supported (supported: t5, llama, mistral, qwen2, gpt2)",
                e.getMessage());
    }
}
