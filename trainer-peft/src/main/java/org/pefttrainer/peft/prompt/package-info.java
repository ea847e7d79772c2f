/**
 * Prompt tuning as PEFT 0.13.2's PeftModelForSeq2SeqLM does it: a table of 2N virtual-token rows of which rows
 * 0..N-1 are prepended to the encoder's input embeddings ({@link org.pefttrainer.peft.prompt.SoftPrompt}, an encoder
 * input hook), initialised RANDOM, SAMPLE_VOCAB or TEXT ({@link org.pefttrainer.peft.prompt.PromptInitializer}).
 */
package org.pefttrainer.peft.prompt;
