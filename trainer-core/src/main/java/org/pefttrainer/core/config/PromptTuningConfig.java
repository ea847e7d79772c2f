package org.pefttrainer.core.config;

import java.util.Optional;

/**
 * Section {@code peft.prompt_tuning}, named as PEFT's PromptTuningConfig ({@code num_virtual_tokens},
 * {@code prompt_tuning_init}, {@code prompt_tuning_init_text}).
 *
 * @param initText the text whose embeddings start the prompt; present whenever init is TEXT and method is
 *                 prompt_tuning (validated)
 */
public record PromptTuningConfig(int numVirtualTokens, Init init, Optional<String> initText) {

    /** PEFT's PromptTuningInit. */
    public enum Init implements ConfigEnum {
        RANDOM("RANDOM"),
        /** Rows of the word embedding drawn at random. */
        SAMPLE_VOCAB("SAMPLE_VOCAB"),
        /** The embeddings of init_text's tokens, repeated to num_virtual_tokens. */
        TEXT("TEXT");

        private final String configName;

        Init(String configName) {
            this.configName = configName;
        }

        @Override
        public String configName() {
            return configName;
        }
    }
}
