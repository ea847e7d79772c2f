package org.pefttrainer.core.config;

import java.nio.file.Path;

/**
 * Section {@code data}. Split names and the references convention stay text here: the data package parses them
 * (it knows that DialogSum's "dev" is the validation split).
 *
 * @param split            the split {@code peft eval} scores
 * @param promptTemplate   model input, with {@code {dialogue}} where the dialogue goes
 * @param trainSubset      examples of the train split to use; 0 = all (same for the other subsets)
 * @param chat             decoder-only: prompt and summary become a user and an assistant turn of the chat template
 * @param chatTemplate     a chat template to use instead of the model's
 * @param validationSubset examples of the validation split scored after each epoch
 * @param subset           examples of {@code split} that {@code peft eval} scores
 * @param subsetSeed       seed of the sample drawn when a subset is smaller than its split
 * @param references       summary1 | all_pairs | best_of_three
 */
public record DataConfig(
        Format format,
        Path path,
        String trainSplit,
        String validationSplit,
        String split,
        String promptTemplate,
        int maxSourceLength,
        int maxTargetLength,
        int trainSubset,
        int validationSubset,
        int subset,
        long subsetSeed,
        String references,
        boolean chat,
        java.util.Optional<String> chatTemplate) {

    /** {@code data.format}: how the files under {@code data.path} are laid out. */
    public enum Format implements ConfigEnum {
        /** DialogSum JSONL files, one per split. */
        DIALOGSUM("dialogsum"),
        /** A Hugging Face datasets save_to_disk folder (Arrow). */
        SAMSUM("samsum"),
        JSONL("jsonl"),
        JSON("json"),
        CSV("csv"),
        /** Decided from the files found. */
        AUTO("auto"),
        /** Conversational records: a "messages" list of {role, content} ending with the assistant's reply. */
        CHAT("chat"),
        /** Parquet files, one per split; read through Spark (trainer-spark). */
        PARQUET("parquet");

        private final String configName;

        Format(String configName) {
            this.configName = configName;
        }

        @Override
        public String configName() {
            return configName;
        }
    }
}
