package org.pefttrainer.peft.registry;

import java.nio.file.Path;
import org.pefttrainer.peft.adapter.AdapterType;

/**
 * What the registry reports about a loaded adapter.
 *
 * @param rank LoRA rank, or the number of virtual tokens of a prompt-tuning adapter
 * @param scaling LoRA scaling (NaN for prompt tuning)
 */
public record AdapterInfo(String name, AdapterType type, Path path, int rank, double scaling, long parameters,
        double loadSeconds) {}
