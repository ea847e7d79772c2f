package org.pefttrainer.core.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.pefttrainer.core.generate.GenerationConfig.EarlyStopping;
import org.pefttrainer.core.generate.GenerationConfig.Strategy;
import org.pefttrainer.core.model.ForwardContext;
import org.pefttrainer.core.model.t5.T5Model;

/**
 * Repeated generation leaves no native arrays behind. The count is {@code NDManager.getManagedArrays().size()} of
 * the manager that owns the weights and is also the caller's manager: DJL's BaseNDManager collects the arrays of
 * that manager, of every open sub-manager (recursively) and of arrays temporarily attached to it, so an array leaked
 * anywhere below it, or a sub-manager left open with arrays in it, raises the count.
 */
class GeneratorMemoryTest {
    @Test
    void repeatedGenerationKeepsLiveArraysFlat() {
        JsonNode cases = GenerationFixtures.cases();
        try (NDManager base = NDManager.newBaseManager()) {
            T5Model model = GenerationFixtures.load(GenerationFixtures.GATED_UNTIED, base);
            NDArray ids = GenerationFixtures.array(base, GenerationFixtures.longMatrix(cases.get("input_ids")));
            NDArray mask = GenerationFixtures.array(base, GenerationFixtures.longMatrix(cases.get("attention_mask")));
            ForwardContext ctx = ForwardContext.inference(base);
            Generator generator = new Generator(model);
            GenerationConfig greedy = GenerationConfig.builder().maxNewTokens(6).ignoreEos(true).build();
            List<GenerationConfig> configs = List.of(
                    greedy,
                    greedy.toBuilder().useCache(false).build(),
                    greedy.toBuilder().noRepeatNgramSize(2).build(),
                    GenerationConfig.builder().maxNewTokens(6).numBeams(3).numReturnSequences(2)
                            .earlyStopping(EarlyStopping.NEVER).noRepeatNgramSize(2).build(),
                    GenerationConfig.builder().maxNewTokens(6).strategy(Strategy.SAMPLE).topK(5).topP(0.9).seed(3)
                            .build());
            for (GenerationConfig c : configs) {
                generator.generate(ctx, ids, mask, c);
            }
            int before = base.getManagedArrays().size();
            for (int i = 0; i < 200; i++) {
                generator.generate(ctx, ids, mask, configs.get(i % configs.size()));
                if (i % 50 == 49) {
                    assertEquals(before, base.getManagedArrays().size(), "live arrays after " + (i + 1) + " calls");
                }
            }
            // The caller's inputs survive and stay with the caller.
            assertFalse(ids.isReleased());
            assertSame(base, ids.getManager());
            assertSame(base, mask.getManager());
        }
    }
}
