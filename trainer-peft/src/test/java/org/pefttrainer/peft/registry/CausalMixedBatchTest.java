package org.pefttrainer.peft.registry;

import static org.pefttrainer.peft.CausalFixtures.CASES;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pefttrainer.core.generate.GeneratedSequence;
import org.pefttrainer.core.generate.GenerationConfig;
import org.pefttrainer.core.generate.GenerationResult;
import org.pefttrainer.core.generate.TextGenerator;
import org.pefttrainer.core.io.hf.HfModelFolder;
import org.pefttrainer.core.model.registry.Architectures;
import org.pefttrainer.core.model.CausalLM;
import org.pefttrainer.core.model.ForwardContext;
import org.pefttrainer.peft.prompt.PromptTuningConfig;
import org.pefttrainer.peft.prompt.SoftPrompt;

/**
 * A decoder-only batch whose rows use a LoRA adapter (PEFT's, q_proj/v_proj), soft prompts of 4 (PEFT's) and 2
 * virtual tokens, or nothing, left-padded to one width: each row generates what it generates alone (beam scores too), with
 * greedy and beam search, with and without the KV cache.
 */
class CausalMixedBatchTest {
    static final Path BASE = CASES.resolve("llama-gqa");
    static final List<String> ROWS = Arrays.asList("lora", null, "prompt4", "prompt2", "lora", "prompt4", null);

    @Test
    void mixedRowsGenerateWhatEachGeneratesAlone(@TempDir Path tmp) throws Exception {
        try (NDManager root = NDManager.newBaseManager()) {
            CausalLM base = (CausalLM) Architectures.load(HfModelFolder.open(BASE), root.newSubManager());
            try (AdapterRegistry registry = new AdapterRegistry(base, root)) {
                registry.load("lora", BASE.resolve("peft-lora"));
                registry.load("prompt4", BASE.resolve("peft-prompt"));
                try (SoftPrompt two = SoftPrompt.create(base, PromptTuningConfig.builder(2).build(), 3, null, root)) {
                    two.save(Files.createDirectories(tmp.resolve("prompt2")));
                }
                registry.load("prompt2", tmp.resolve("prompt2"));
                Random rnd = new Random(3);
                List<long[]> inputs = new ArrayList<>();
                for (int r = 0; r < ROWS.size(); r++) {
                    long[] ids = new long[3 + rnd.nextInt(9)];
                    for (int i = 0; i < ids.length; i++) {
                        ids[i] = 3 + rnd.nextInt(61);
                    }
                    inputs.add(ids);
                }
                int differs = 0;
                for (GenerationConfig config : new GenerationConfig[] {
                        GenerationConfig.builder().maxNewTokens(8).build(),
                        GenerationConfig.builder().maxNewTokens(8).useCache(false).build(),
                        GenerationConfig.builder().maxNewTokens(6).numBeams(3).numReturnSequences(2).build()}) {
                    GenerationResult mixed = generate(registry.batch(ROWS), registry, inputs, config, root);
                    for (int r = 0; r < ROWS.size(); r++) {
                        List<GeneratedSequence> alone = generate(registry.batch(ROWS.get(r)), registry,
                                List.of(inputs.get(r)), config, root).rows().get(0);
                        List<GeneratedSequence> got = mixed.rows().get(r);
                        assertEquals(alone.size(), got.size());
                        for (int s = 0; s < alone.size(); s++) {
                            String where = config.strategy() + " cache=" + config.useCache() + " row " + r + " ("
                                    + ROWS.get(r) + ") #" + s;
                            assertArrayEquals(alone.get(s).tokens(), got.get(s).tokens(), where);
                            if (!Double.isNaN(alone.get(s).score())) {
                                assertEquals(alone.get(s).score(), got.get(s).score(), 1e-4, where);
                            }
                        }
                        if (ROWS.get(r) != null) {
                            long[] plain = generate(registry.batch((String) null), registry, List.of(inputs.get(r)),
                                    config, root).best(0).tokens();
                            differs += Arrays.equals(plain, alone.get(0).tokens()) ? 0 : 1;
                        }
                    }
                }
                assertTrue(differs >= 8, "adapters change most adapted rows' text: " + differs + " of 15");
            }
        }
    }

    private static GenerationResult generate(AdapterBatch batch, AdapterRegistry registry, List<long[]> inputs,
            GenerationConfig config, NDManager root) {
        try (AdapterBatch b = batch; NDManager m = root.newSubManager()) {
            return TextGenerator.of(registry.base()).generate(b.attach(ForwardContext.inference(m)), inputs, config);
        }
    }
}
