package org.pefttrainer.recipes;

import ai.djl.ndarray.NDManager;
import java.util.List;
import org.pefttrainer.core.config.LoraConfig;
import org.pefttrainer.core.config.PromptTuningConfig;
import org.pefttrainer.core.data.tokenize.HfTokenizer;
import org.pefttrainer.core.model.LanguageModel;
import org.pefttrainer.peft.lora.LoraInit;
import org.pefttrainer.peft.lora.LoraModel;
import org.pefttrainer.peft.lora.TargetModules;
import org.pefttrainer.peft.prompt.PromptTuningInit;
import org.pefttrainer.peft.prompt.SoftPrompt;

/** The config file's peft section mapped onto trainer-peft's adapters (new ones, randomly initialised). */
final class Adapters {
    private Adapters() {}

    static LoraModel newLora(org.pefttrainer.core.model.LanguageModel base, LoraConfig c, String baseName, long seed, NDManager manager) {
        TargetModules targets;
        switch (c.targets().kind()) {
            case ALL_LINEAR:
                targets = TargetModules.allLinear();
                break;
            case MODULES:
                targets = TargetModules.names(List.copyOf(c.targets().modules()));
                break;
            case REGEX:
                targets = TargetModules.of(c.targets().regex().orElseThrow(), "peft.lora.target_regex");
                break;
            default:
                targets = null; // the architecture's PEFT default (T5: q, v)
        }
        org.pefttrainer.peft.lora.LoraConfig config = org.pefttrainer.peft.lora.LoraConfig.builder()
                .r(c.r())
                .loraAlpha(c.alpha())
                .loraDropout(c.dropout())
                .targetModules(targets)
                .useRslora(c.useRslora())
                .initLoraWeights(switch (c.init()) {
                    case TRUE -> LoraInit.DEFAULT;
                    case GAUSSIAN -> LoraInit.GAUSSIAN;
                    case FALSE -> LoraInit.NONE;
                })
                .fanInFanOut(c.fanInFanOut())
                .baseModelNameOrPath(baseName)
                .build();
        return LoraModel.create(base, config, seed, manager);
    }

    static SoftPrompt newSoftPrompt(LanguageModel base, PromptTuningConfig c, HfTokenizer tokenizer, String baseName,
            long seed, NDManager manager) {
        var b = org.pefttrainer.peft.prompt.PromptTuningConfig.builder(c.numVirtualTokens())
                .baseModelNameOrPath(baseName);
        switch (c.init()) {
            case TEXT -> b.text(c.initText().orElseThrow(), baseName);
            case SAMPLE_VOCAB -> b.init(PromptTuningInit.SAMPLE_VOCAB);
            default -> b.init(PromptTuningInit.RANDOM);
        }
        return SoftPrompt.create(base, b.build(), seed, tokenizer::encode, manager);
    }
}
