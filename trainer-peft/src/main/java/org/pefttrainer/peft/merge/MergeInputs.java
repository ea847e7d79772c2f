package org.pefttrainer.peft.merge;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.io.hf.HfModelFolder;
import org.pefttrainer.core.model.ModelLayout;
import org.pefttrainer.peft.adapter.AdapterFolder;
import org.pefttrainer.peft.adapter.AdapterType;
import org.pefttrainer.peft.lora.LoraAdapterReader;
import org.pefttrainer.peft.lora.LoraWeights;

/**
 * The adapter a merge applies: one LoRA folder as it is, or several (or one with a weight) combined as
 * {@link WeightedAdapters} does. Every folder is checked against the base model's layout, read from its config.json
 * alone (the base weights are not loaded). Prompt-tuning adapters are refused: they add virtual tokens to the
 * input, not weight deltas, so there is nothing to merge.
 */
public final class MergeInputs {
    private MergeInputs() {}

    /** The layout of the base model folder, from its config.json (any family of the registry). */
    public static ModelLayout layout(HfModelFolder base) {
        return org.pefttrainer.core.model.registry.Architectures.layout(base);
    }

    /**
     * @param weights one per adapter, or null: a single adapter is then merged as it is (several need weights)
     */
    public static LoraWeights read(HfModelFolder base, List<Path> adapterDirs, double[] weights,
            WeightedAdapters.Combination combination) {
        if (adapterDirs.isEmpty()) {
            throw new UserException("no adapter to merge (give --adapter DIR)");
        }
        for (Path dir : adapterDirs) {
            refuseUnmergeable(dir);
        }
        ModelLayout layout = layout(base);
        List<LoraWeights> adapters = new ArrayList<>();
        for (Path dir : adapterDirs) {
            String name = dir.toAbsolutePath().normalize().getFileName().toString();
            adapters.add(LoraAdapterReader.readWeights(dir, layout, name));
        }
        if (weights == null) {
            if (adapters.size() > 1) {
                throw new UserException(adapters.size() + " adapters given without --weights (one weight per adapter, "
                        + "e.g. --weights 0.7,0.3)");
            }
            return adapters.get(0);
        }
        return WeightedAdapters.combine("merged", adapters, weights, combination);
    }

    /** A one-line refusal for adapter kinds that have no weight delta. */
    public static void refuseUnmergeable(Path dir) {
        if (AdapterFolder.type(dir) == AdapterType.PROMPT_TUNING) {
            throw new UserException(dir + ": a prompt-tuning adapter cannot be merged: it adds virtual tokens to the "
                    + "input embeddings, not weight deltas (load it at inference with generate/serve --adapter instead)");
        }
    }
}
