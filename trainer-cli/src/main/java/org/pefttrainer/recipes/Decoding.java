package org.pefttrainer.recipes;

import org.pefttrainer.core.UserException;
import org.pefttrainer.core.generate.GenerationConfig;
import org.pefttrainer.core.io.hf.HfModelFolder;

/** The config file's generation section as the generator's settings (on top of the model's generation_config.json). */
public final class Decoding {
    private Decoding() {}

    public static GenerationConfig from(org.pefttrainer.core.config.GenerationConfig g, HfModelFolder folder) {
        GenerationConfig.Strategy strategy = switch (g.strategy()) {
            case GREEDY -> GenerationConfig.Strategy.GREEDY;
            case BEAM -> GenerationConfig.Strategy.BEAM;
            case SAMPLE -> GenerationConfig.Strategy.SAMPLE;
        };
        try {
            return GenerationConfig.builder(folder)
                    .strategy(strategy)
                    .maxNewTokens(g.maxNewTokens())
                    .numBeams(strategy == GenerationConfig.Strategy.BEAM ? g.numBeams() : 1)
                    .lengthPenalty(g.lengthPenalty())
                    .noRepeatNgramSize(g.noRepeatNgramSize())
                    .earlyStopping(g.earlyStopping() ? GenerationConfig.EarlyStopping.AT_NUM_BEAMS
                            : GenerationConfig.EarlyStopping.HEURISTIC)
                    .temperature(g.temperature())
                    .topK(g.topK())
                    .topP(g.topP())
                    .numReturnSequences(g.numReturnSequences())
                    .seed(g.seed())
                    .useCache(g.useCache())
                    .build();
        } catch (IllegalArgumentException e) {
            throw new UserException("generation: " + e.getMessage());
        }
    }
}
