/**
 * Text generation over any {@link org.pefttrainer.core.model.Seq2SeqLM}.
 *
 * <ul>
 *   <li>{@link org.pefttrainer.core.generate.GenerationConfig}: strategy and settings, with transformers'
 *   GenerationConfig defaults and keys (generation_config.json).</li>
 *   <li>{@link org.pefttrainer.core.generate.Generator}: the entry point; returns
 *   {@link org.pefttrainer.core.generate.GenerationResult} (per input, its
 *   {@link org.pefttrainer.core.generate.GeneratedSequence}s).</li>
 *   <li>DecodingSession: the model side (encoder once, decoder per step with or without the KV cache) and the
 *   NDManager scopes that keep native memory flat.</li>
 *   <li>GreedySearch, BeamSearch (+ BeamHypotheses), MultinomialSampling (+ SamplingWarpers), NoRepeatNGram: the
 *   decoding rules, ported from transformers 4.33.2's generation/utils.py, beam_search.py and logits_process.py;
 *   greedy and beam search give transformers' token ids (tests compare against its recorded outputs).</li>
 *   <li>GenerateBench: tokens/s with and without the cache on a random model of real shape.</li>
 * </ul>
 */
package org.pefttrainer.core.generate;
