package org.pefttrainer.core.data.batch;

import java.util.Objects;

/**
 * An example as token ids, before truncation and padding. Ids are as the tokenizer gave them, special tokens
 * included (T5: both end with {@code </s>}).
 *
 * @param id        the example's id
 * @param sourceIds the encoder input (the rendered prompt)
 * @param targetIds the labels (the first reference); may be empty when only generating
 * @param sourceLabels null, or which source tokens also carry labels (decoder-only chat: the earlier assistant turns
 *                     of a conversation)
 */
public record TokenizedExample(String id, int[] sourceIds, int[] targetIds, boolean[] sourceLabels)
        implements java.io.Serializable {
    public TokenizedExample {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(sourceIds, "sourceIds");
        Objects.requireNonNull(targetIds, "targetIds");
        if (sourceLabels != null && sourceLabels.length != sourceIds.length) {
            throw new IllegalArgumentException("sourceLabels must match sourceIds");
        }
    }

    public TokenizedExample(String id, int[] sourceIds, int[] targetIds) {
        this(id, sourceIds, targetIds, null);
    }
}
