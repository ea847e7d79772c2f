package org.pefttrainer.peft.lora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.io.Json;
import org.pefttrainer.core.model.t5.T5Architecture;
import org.pefttrainer.core.model.t5.T5Config;
import org.pefttrainer.peft.PeftSamples;

/** Target matching against PEFT 0.13.2's own decisions (targets.json) and hand-made cases. */
class LoraTargetsTest {
    private static final String ARCH = "T5ForConditionalGeneration";
    private static final org.pefttrainer.core.model.llama.LlamaConfig LLAMA = org.pefttrainer.core.model.llama
            .LlamaConfig.fromJson(org.pefttrainer.core.model.init.ModelInitializer.preset("llama", "tiny").put("vocab_size", 100),
                    Path.of("config.json"));
    private static final org.pefttrainer.core.model.gpt2.Gpt2Config GPT2 = org.pefttrainer.core.model.gpt2.Gpt2Config
            .fromJson(org.pefttrainer.core.model.init.ModelInitializer.preset("gpt2", "tiny").put("vocab_size", 100), Path.of("config.json"));
    private static final T5Config TINY = T5Config.fromFile(PeftSamples.dir().resolve("tiny-t5/config.json"));
    /** A tied T5 v1.0 (ReLU wi, lm_head sharing the embedding), where lm_head has no weight of its own. */
    private static final T5Config TIED = new T5Config(50, 8, 2, 12, 2, 1, 4, 8, 20, 0.1, 1e-6, "relu", false, true, 0,
            1, 0);

    private static List<String> select(TargetModules t, T5Config c) {
        List<String> params = new ArrayList<>(T5Architecture.parameterShapes(c).keySet());
        params.addAll(T5Architecture.EMBEDDING_NAMES);
        if (c.tieWordEmbeddings()) {
            params.add("lm_head.weight");
        }
        return LoraTargets.select(t, ARCH, T5Architecture.DEFAULT_LORA_TARGETS, T5Architecture.linearModules(c), params,
                "test");
    }

    private static TargetModules spec(JsonNode v) {
        return TargetModules.fromJson(v, "targets.json");
    }

    @Test
    void reproducesPeftsTargetedModulesAndRefusals() {
        JsonNode facts = Json.read(PeftSamples.dir().resolve("targets.json"));
        assertTrue(facts.size() >= 10);
        for (JsonNode fact : facts) {
            TargetModules t = spec(fact.get("target_modules"));
            String label = String.valueOf(fact.get("target_modules"));
            if (fact.has("error")) {
                UserException e = assertThrows(UserException.class, () -> select(t, TINY), label);
                String kind = fact.get("error").asText();
                if (kind.equals("not_found")) {
                    assertTrue(e.getMessage().contains("match no module"), e.getMessage());
                } else {
                    assertEquals("not_supported", kind, label);
                    assertTrue(e.getMessage().contains("which LoRA cannot wrap here"), e.getMessage());
                }
                continue;
            }
            List<String> expected = new ArrayList<>();
            fact.get("targeted").forEach(n -> expected.add(n.asText()));
            assertEquals(expected, select(t, TINY), label);
            // What PEFT stores in adapter_config.json after injection (set order aside).
            TargetModules resolved = LoraTargets.resolve(t, T5Architecture.layout(TINY), "test");
            JsonNode saved = fact.get("saved_target_modules");
            if (saved.isArray()) {
                List<String> names = new ArrayList<>();
                saved.forEach(n -> names.add(n.asText()));
                assertEquals(new TreeSet<>(names),
                        new TreeSet<>(((TargetModules.Names) resolved).names()), label);
            } else {
                assertEquals(saved.asText(), ((TargetModules.Regex) resolved).pattern(), label);
            }
        }
    }

    @Test
    void namesMatchExactlyOrAsDotSuffix() {
        TargetModules t = TargetModules.names("q", "SelfAttention.k", "decoder.block.0.layer.1.EncDecAttention.o");
        assertTrue(LoraTargets.matches(t, "q"));
        assertTrue(LoraTargets.matches(t, "encoder.block.0.layer.0.SelfAttention.q"));
        assertTrue(LoraTargets.matches(t, "decoder.block.0.layer.0.SelfAttention.k"));
        assertFalse(LoraTargets.matches(t, "decoder.block.0.layer.1.EncDecAttention.k"));
        assertTrue(LoraTargets.matches(t, "decoder.block.0.layer.1.EncDecAttention.o"));
        assertFalse(LoraTargets.matches(t, "decoder.block.1.layer.1.EncDecAttention.o"));
        // A suffix must start after a dot: "Attention.k" is not a suffix of "...SelfAttention.k" in PEFT's sense.
        assertFalse(LoraTargets.matches(TargetModules.names("Attention.k"), "encoder.block.0.layer.0.SelfAttention.k"));
        assertFalse(LoraTargets.matches(TargetModules.names("q"), "encoder.block.0.layer.0.SelfAttention.qq"));
    }

    @Test
    void regexMustMatchTheWholeName() {
        TargetModules t = TargetModules.of("encoder\\.block\\.\\d+\\.layer\\.0\\.SelfAttention\\.(q|v)", "test");
        assertTrue(LoraTargets.matches(t, "encoder.block.1.layer.0.SelfAttention.v"));
        assertFalse(LoraTargets.matches(t, "decoder.block.1.layer.0.SelfAttention.v"));
        // re.search would find "q" inside the name; fullmatch does not.
        assertFalse(LoraTargets.matches(TargetModules.of("q", "test"), "encoder.block.0.layer.0.SelfAttention.q"));
        assertTrue(LoraTargets.matches(TargetModules.of(".*\\.q", "test"), "encoder.block.0.layer.0.SelfAttention.q"));
    }

    @Test
    void allLinearTakesShortNamesOfEveryLinearLayerButLmHead() {
        TargetModules resolved = LoraTargets.resolve(TargetModules.allLinear(), ARCH, List.of(), T5Architecture.linearModules(TIED),
                "test");
        assertEquals(TargetModules.names("q", "k", "v", "o", "wi", "wo"), resolved);
        List<String> selected = select(TargetModules.allLinear(), TIED);
        assertFalse(selected.contains("lm_head"));
        // 2 encoder blocks × 6 + 1 decoder block × 10 linear layers.
        assertEquals(2 * 6 + 10, selected.size());
        assertEquals(TargetModules.allLinear().toString(), TargetModules.of("All-Linear", "t").toString().toLowerCase());
    }

    @Test
    void lmHeadCanBeTargetedByNameEvenWhenTied() {
        assertEquals(List.of("lm_head"), select(TargetModules.names("lm_head"), TIED));
    }

    @Test
    void nullMeansPeftsDefaultForT5() {
        assertEquals(TargetModules.names("q", "v"), LoraTargets.resolve(null, T5Architecture.layout(TINY), "test"));
        UserException e = assertThrows(UserException.class,
                () -> LoraTargets.resolve(null, "BertModel", List.of(), List.of("x"), "test"));
        assertTrue(e.getMessage().contains("target_modules must be given for BertModel"), e.getMessage());
        // the decoder-only families have PEFT's defaults
        assertEquals(TargetModules.names("q_proj", "v_proj"), LoraTargets.resolve(null,
                org.pefttrainer.core.model.llama.LlamaArchitecture.layout(LLAMA, "LlamaForCausalLM"), "test"));
        assertEquals(TargetModules.names("c_attn"), LoraTargets.resolve(null,
                org.pefttrainer.core.model.gpt2.Gpt2Architecture.layout(GPT2), "t"));
    }

    @Test
    void nothingMatchedListsTheAvailableLinearLayers() {
        UserException e = assertThrows(UserException.class, () -> select(TargetModules.names("q_proj", "v_proj"), TIED));
        assertEquals("test: target_modules [q_proj, v_proj] match no module of T5ForConditionalGeneration (a name "
                + "matches a module's full name or its ending after a dot, a string is a regex over the full name; "
                + "linear layers: q, k, v, o, wi, wo, lm_head, e.g. encoder.block.0.layer.0.SelfAttention.q)",
                e.getMessage());
    }

    @Test
    void nonLinearMatchesAreRefused() {
        for (TargetModules t : List.of(TargetModules.names("layer_norm"), TargetModules.names("shared"),
                TargetModules.names("relative_attention_bias"), TargetModules.names("SelfAttention"),
                TargetModules.of(".*", "test"))) {
            UserException e = assertThrows(UserException.class, () -> select(t, TIED), t.toString());
            assertTrue(e.getMessage().contains("which LoRA cannot wrap here"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"));
        }
    }

    @Test
    void badRegexIsAUserError() {
        UserException e = assertThrows(UserException.class, () -> TargetModules.of("(q|v", "adapter_config.json"));
        assertTrue(e.getMessage().startsWith("adapter_config.json: target_modules '(q|v' is not a valid regular "
                + "expression"), e.getMessage());
    }
}
