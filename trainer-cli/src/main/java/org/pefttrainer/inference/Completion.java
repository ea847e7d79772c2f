package org.pefttrainer.inference;

import java.util.List;

/**
 * What one input row got: the adapter it ran with (null: the base model), its text, the generated texts (best
 * first; one unless num_return_sequences &gt; 1), the number of tokens generated for the best one, and the rows of
 * the batch it ran in.
 */
public record Completion(String adapter, String text, List<String> generated, int tokens, int batchRows) {
    public Completion {
        generated = List.copyOf(generated);
    }

    public String best() {
        return generated.get(0);
    }
}
