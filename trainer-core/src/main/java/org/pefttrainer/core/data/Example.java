package org.pefttrainer.core.data;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One summarisation example: the source text (a dialogue), one or more reference summaries and, where the
 * dataset has one, a topic. Training uses the first reference as the target; the evaluator may score against
 * all of them (DialogSum's best-of-three convention).
 *
 * @param id         the dataset's id (DialogSum {@code fname}, SAMSum {@code id}); unique within a split
 * @param source     the dialogue, line ends normalised to {@code \n}; may be empty (SAMSum train id 13828807)
 * @param references the reference summaries, at least one
 * @param topic      the topic, if the dataset has one
 * @param messages   a conversational record's turns (data.format = chat), ending with the assistant's reply (the
 *                   reference); empty for a summarisation record
 * @param adapter    the adapter this row is evaluated with, by name (the dataset's {@code adapter} column); empty:
 *                   the run's adapter
 */
public record Example(String id, String source, List<String> references, Optional<String> topic,
                      List<ChatMessage> messages, Optional<String> adapter) {

    public Example {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(adapter, "adapter");
        references = List.copyOf(references);
        messages = List.copyOf(messages);
        if (references.isEmpty()) {
            throw new IllegalArgumentException("example " + id + " has no reference summary");
        }
    }

    /** Evaluated with the run's adapter. */
    public Example(String id, String source, List<String> references, Optional<String> topic,
            List<ChatMessage> messages) {
        this(id, source, references, topic, messages, Optional.empty());
    }

    /** This example, evaluated with adapter {@code name} (empty: the run's). */
    public Example withAdapter(Optional<String> name) {
        return new Example(id, source, references, topic, messages, name);
    }

    /** A summarisation example. */
    public Example(String id, String source, List<String> references, Optional<String> topic) {
        this(id, source, references, topic, List.of());
    }

    /** An example with a single reference and no topic. */
    public Example(String id, String source, String reference) {
        this(id, source, List.of(reference), Optional.empty());
    }

    /** The training target: the first reference. */
    public String target() {
        return references.get(0);
    }
}
