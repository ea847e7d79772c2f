package org.pefttrainer.serve;

import org.pefttrainer.core.data.ChatMessage;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.data.chat.ChatTemplate;
import org.pefttrainer.core.generate.GenerationConfig;
import org.pefttrainer.core.generate.GenerationSettings;
import org.pefttrainer.core.io.Json;
import org.pefttrainer.core.model.SpecialTokens;
import org.pefttrainer.inference.Completion;
import org.pefttrainer.inference.InferenceEngine;

/**
 * The OpenAI-compatible endpoints of {@code peft serve}, as vLLM's {@code --enable-lora} serves them: {@code model}
 * names an adapter or the base model, so OpenAI clients and SDKs work unchanged.
 * <pre>
 *   GET  /v1/models             the base model and every loaded adapter (an adapter's parent is the base)
 *   POST /v1/completions        prompt (string or list), max_tokens, temperature, top_p, n, stop, seed, stream
 *   POST /v1/chat/completions   messages (rendered with the model's chat template), the same options
 * </pre>
 * Requests join the same batches as {@code /generate} and give its text; {@code temperature: 0} is greedy, unset
 * options follow the model's generation_config.json. {@code stream: true} sends server-sent events, a chunk per
 * decoding step that adds text, then {@code data: [DONE]}. Errors have OpenAI's shape,
 * {@code {"error": {"message", "type", "param", "code"}}}.
 */
final class OpenAiApi {
    /** OpenAI fields accepted and ignored: they change nothing here at their defaults. */
    private static final Set<String> IGNORED = Set.of("user", "stream_options", "logprobs", "top_logprobs", "echo",
            "presence_penalty", "frequency_penalty", "logit_bias", "suffix", "best_of", "response_format");
    private static final Set<String> OPTIONS = Set.of("model", "max_tokens", "max_completion_tokens", "temperature",
            "top_p", "n", "stop", "seed", "stream");

    private final InferenceEngine engine;
    private final GenerationSettings decoding;
    private final BatchScheduler scheduler;
    private final InferenceServer.Settings settings;
    private final String modelName;
    private final Optional<ChatTemplate> chatTemplate;
    private final SpecialTokens special;
    private final long created = System.currentTimeMillis() / 1000;

    OpenAiApi(InferenceEngine engine, GenerationSettings decoding, BatchScheduler scheduler,
              InferenceServer.Settings settings, String modelName) {
        this.engine = engine;
        this.decoding = decoding;
        this.scheduler = scheduler;
        this.settings = settings;
        this.modelName = modelName;
        this.chatTemplate = ChatTemplate.fromModelFolder(engine.session().folder().dir());
        this.special = SpecialTokens.of(engine.session().model());
    }

    String modelName() {
        return modelName;
    }

    /** GET /v1/models. */
    ObjectNode models() {
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("object", "list");
        ArrayNode data = out.putArray("data");
        data.add(model(modelName, null));
        engine.registry().list().keySet().forEach(a -> data.add(model(a, modelName)));
        return out;
    }

    private ObjectNode model(String id, String parent) {
        ObjectNode m = Json.MAPPER.createObjectNode();
        m.put("id", id);
        m.put("object", "model");
        m.put("created", created);
        m.put("owned_by", "peft-trainer");
        m.put("root", parent == null ? engine.session().folder().dir().toString() : id);
        m.put("parent", parent);
        return m;
    }

    /** POST /v1/completions or /v1/chat/completions: answers with JSON or, with stream, server-sent events. */
    void complete(HttpExchange ex, ObjectNode body, boolean chat) throws IOException {
        for (String k : (Iterable<String>) body::fieldNames) {
            if (!OPTIONS.contains(k) && !IGNORED.contains(k) && !k.equals(chat ? "messages" : "prompt")) {
                throw new OpenAiError(400, "unsupported parameter '" + k + "'", k, "unsupported_parameter");
            }
        }
        String adapter = adapterOf(body);
        List<String> prompts = chat ? List.of(renderChat(body)) : prompts(body);
        GenerationConfig config = config(body);
        List<String> stops = stops(body);
        boolean stream = body.path("stream").asBoolean(false);
        int[] promptLengths = new int[prompts.size()];
        for (int p = 0; p < prompts.size(); p++) {
            promptLengths[p] = promptTokens(prompts.get(p), chat);
            if (promptLengths[p] > engine.maxSourceLength()) {
                // OpenAI's servers refuse a prompt beyond the context rather than cutting it
                throw new OpenAiError(400, "the prompt is " + promptLengths[p] + " tokens, more than this server's"
                        + " limit of " + engine.maxSourceLength() + " (data.max_source_length)", chat ? "messages"
                        : "prompt", "context_length_exceeded");
            }
        }
        int n = config.numReturnSequences();
        String id = (chat ? "chatcmpl-" : "cmpl-") + UUID.randomUUID().toString().replace("-", "");
        String model = adapter == null ? modelName : adapter;
        // one TextStream per choice: prompts x n
        List<TextStream> texts = new ArrayList<>();
        List<CompletableFuture<Completion>> futures = new ArrayList<>();
        BlockingQueue<Integer> progress = new LinkedBlockingQueue<>();
        for (int p = 0; p < prompts.size(); p++) {
            int first = texts.size();
            for (int j = 0; j < n; j++) {
                texts.add(new TextStream(tokens -> engine.session().tokenizer().decode(tokens), stops));
            }
            InferenceEngine.RowListener listener = (choice, token) -> {
                boolean goOn = texts.get(first + choice).accept(token, !config.ignoreEos() && special.isEos(token));
                if (stream) {
                    progress.add(first + choice);
                }
                return goOn;
            };
            futures.add(scheduler.submit(new InferenceEngine.Row(adapter, prompts.get(p), chat, listener), config));
        }
        for (CompletableFuture<Completion> f : futures) {
            if (f.isCompletedExceptionally()) { // refused at once (a full queue): a status, not a broken stream
                futures.forEach(scheduler::cancel);
                try {
                    f.join();
                } catch (java.util.concurrent.CompletionException e) {
                    throw OpenAiError.of(e.getCause());
                }
            }
        }
        if (stream) {
            stream(ex, id, model, chat, texts, futures, progress);
            return;
        }
        List<Completion> done = await(futures);
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("id", id);
        out.put("object", chat ? "chat.completion" : "text_completion");
        out.put("created", System.currentTimeMillis() / 1000);
        out.put("model", model);
        ArrayNode choices = out.putArray("choices");
        int promptTokens = 0;
        int completionTokens = 0;
        for (int p = 0; p < done.size(); p++) {
            Completion c = done.get(p);
            promptTokens += promptLengths[p];
            for (int j = 0; j < c.generated().size(); j++) {
                TextStream t = texts.get(p * n + j);
                String text = t.stopped() ? t.text() : c.generated().get(j);
                ObjectNode choice = choices.addObject();
                choice.put("index", p * n + j);
                if (chat) {
                    ObjectNode msg = choice.putObject("message");
                    msg.put("role", "assistant");
                    msg.put("content", text);
                } else {
                    choice.put("text", text);
                    choice.putNull("logprobs");
                }
                choice.put("finish_reason", finishReason(t));
                completionTokens += t.tokenCount();
            }
        }
        ObjectNode usage = out.putObject("usage");
        usage.put("prompt_tokens", promptTokens);
        usage.put("completion_tokens", completionTokens);
        usage.put("total_tokens", promptTokens + completionTokens);
        InferenceServer.send(ex, 200, out);
    }

    /** stop: a stop string or EOS; length: max_tokens reached. */
    private static String finishReason(TextStream t) {
        return t.stopped() || t.endedByEos() ? "stop" : "length";
    }

    private void stream(HttpExchange ex, String id, String model, boolean chat, List<TextStream> texts,
                        List<CompletableFuture<Completion>> futures, BlockingQueue<Integer> progress)
            throws IOException {
        ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        ex.sendResponseHeaders(200, 0);
        CompletableFuture<Void> all = CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new));
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.requestTimeoutMs());
        try (OutputStream out = ex.getResponseBody()) {
            if (chat) {
                for (int i = 0; i < texts.size(); i++) {
                    event(out, chunk(id, model, chat, i, "", null)); // opens the assistant's message
                }
            }
            while (true) {
                try {
                    progress.poll(50, TimeUnit.MILLISECONDS); // a token arrived, or time to look again
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                progress.clear();
                boolean end = all.isDone();
                for (int i = 0; i < texts.size(); i++) {
                    String piece = texts.get(i).next(end);
                    if (!piece.isEmpty()) {
                        event(out, chunk(id, model, chat, i, piece, null));
                    }
                }
                if (end) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    futures.forEach(scheduler::cancel);
                    error(out, new OpenAiError(503, "not answered within " + settings.requestTimeoutMs() / 1000.0
                            + " s (serve.request_timeout_s)", null, "timeout"));
                    return;
                }
            }
            try {
                all.get();
            } catch (ExecutionException e) {
                error(out, OpenAiError.of(e.getCause()));
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            for (int i = 0; i < texts.size(); i++) {
                ObjectNode last = chunk(id, model, chat, i, null, finishReason(texts.get(i)));
                event(out, last);
            }
            out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
    }

    /**
     * One streamed chunk: {@code piece} of choice {@code index}'s text (chat: "" opens the assistant's message with
     * its role; null: no content, the finishing chunk).
     */
    private ObjectNode chunk(String id, String model, boolean chat, int index, String piece, String finish) {
        ObjectNode c = Json.MAPPER.createObjectNode();
        c.put("id", id);
        c.put("object", chat ? "chat.completion.chunk" : "text_completion");
        c.put("created", System.currentTimeMillis() / 1000);
        c.put("model", model);
        ObjectNode choice = c.putArray("choices").addObject();
        choice.put("index", index);
        if (chat) {
            ObjectNode delta = choice.putObject("delta");
            if ("".equals(piece)) {
                delta.put("role", "assistant");
            }
            if (piece != null) {
                delta.put("content", piece);
            }
        } else {
            choice.put("text", piece == null ? "" : piece);
            choice.putNull("logprobs");
        }
        if (finish == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finish);
        }
        return c;
    }

    private static void event(OutputStream out, ObjectNode data) throws IOException {
        out.write(("data: " + Json.compact(data) + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static void error(OutputStream out, OpenAiError e) throws IOException {
        event(out, e.body());
        out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private List<Completion> await(List<CompletableFuture<Completion>> futures) {
        List<Completion> out = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.requestTimeoutMs());
        for (CompletableFuture<Completion> f : futures) {
            try {
                out.add(f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                futures.forEach(scheduler::cancel);
                throw new OpenAiError(503, "interrupted", null, null);
            } catch (java.util.concurrent.TimeoutException e) {
                futures.forEach(scheduler::cancel);
                throw new OpenAiError(503, "not answered within " + settings.requestTimeoutMs() / 1000.0
                        + " s (serve.request_timeout_s); the server is overloaded, retry later", null, "timeout");
            } catch (ExecutionException e) {
                throw OpenAiError.of(e.getCause());
            }
        }
        return out;
    }

    private String adapterOf(ObjectNode body) {
        JsonNode m = body.get("model");
        if (m == null || m.isNull() || !m.isTextual() || m.textValue().isEmpty()) {
            throw new OpenAiError(400, "you must provide a model parameter", "model", null);
        }
        String name = m.textValue();
        if (name.equals(modelName)) {
            return null;
        }
        if (!engine.registry().contains(name)) {
            throw new OpenAiError(404, "The model '" + name + "' does not exist (served: " + String.join(", ",
                    served()) + ")", "model", "model_not_found");
        }
        return name;
    }

    private List<String> served() {
        List<String> all = new ArrayList<>();
        all.add(modelName);
        all.addAll(engine.registry().list().keySet());
        return all;
    }

    private static List<String> prompts(ObjectNode body) {
        JsonNode p = body.get("prompt");
        if (p == null || p.isNull()) {
            throw new OpenAiError(400, "you must provide a prompt", "prompt", null);
        }
        List<String> out = new ArrayList<>();
        if (p.isTextual()) {
            out.add(p.textValue());
        } else if (p.isArray() && !p.isEmpty()) {
            for (JsonNode e : p) {
                if (!e.isTextual()) {
                    throw new OpenAiError(400, "prompt must be a string or a list of strings (token id prompts are"
                            + " not supported)", "prompt", null);
                }
                out.add(e.textValue());
            }
        } else {
            throw new OpenAiError(400, "prompt must be a string or a non-empty list of strings", "prompt", null);
        }
        return out;
    }

    private String renderChat(ObjectNode body) {
        JsonNode ms = body.get("messages");
        if (ms == null || !ms.isArray() || ms.isEmpty()) {
            throw new OpenAiError(400, "messages must be a non-empty list of {role, content}", "messages", null);
        }
        List<ChatMessage> messages = new ArrayList<>();
        for (JsonNode m : ms) {
            JsonNode content = m.get("content");
            String text;
            if (content != null && content.isTextual()) {
                text = content.textValue();
            } else if (content != null && content.isArray()) {
                StringBuilder sb = new StringBuilder(); // OpenAI's content parts: the text parts, joined
                for (JsonNode part : content) {
                    if (!part.path("type").asText().equals("text")) {
                        throw new OpenAiError(400, "only text content parts are supported", "messages", null);
                    }
                    sb.append(part.path("text").asText());
                }
                text = sb.toString();
            } else {
                throw new OpenAiError(400, "every message needs a string content", "messages", null);
            }
            if (!m.path("role").isTextual()) {
                throw new OpenAiError(400, "every message needs a role", "messages", null);
            }
            messages.add(new ChatMessage(m.get("role").textValue(), text));
        }
        ChatTemplate t = chatTemplate.orElseThrow(() -> new OpenAiError(400, "the model "
                + engine.session().folder().dir() + " has no chat_template in tokenizer_config.json: use"
                + " /v1/completions", "messages", "no_chat_template"));
        try {
            return t.render(messages, true);
        } catch (UserException e) {
            throw new OpenAiError(400, e.getMessage(), "messages", null);
        }
    }

    private GenerationConfig config(ObjectNode body) {
        ObjectNode fields = Json.MAPPER.createObjectNode();
        JsonNode max = body.has("max_completion_tokens") ? body.get("max_completion_tokens") : body.get("max_tokens");
        if (max != null && !max.isNull()) {
            if (!max.canConvertToInt() || !max.isIntegralNumber() || max.intValue() < 1) {
                throw new OpenAiError(400, "max_tokens must be a positive integer", "max_tokens", null);
            }
            if (max.intValue() > settings.maxNewTokens()) {
                throw new OpenAiError(400, "max_tokens " + max.intValue() + " is above this server's limit of "
                        + settings.maxNewTokens() + " (serve.max_new_tokens)", "max_tokens", null);
            }
            fields.put("max_new_tokens", max.intValue());
        }
        JsonNode temp = body.get("temperature");
        if (temp != null && !temp.isNull()) {
            if (!temp.isNumber() || temp.doubleValue() < 0 || temp.doubleValue() > 2) {
                throw new OpenAiError(400, "temperature must be a number between 0 and 2", "temperature", null);
            }
            if (temp.doubleValue() == 0) {
                fields.put("strategy", "greedy"); // OpenAI's temperature 0: the most likely token
            } else {
                fields.put("do_sample", true);
                fields.put("temperature", temp.doubleValue());
            }
        }
        copyNumber(body, fields, "top_p", "top_p");
        JsonNode n = body.get("n");
        if (n != null && !n.isNull()) {
            if (!n.isIntegralNumber() || n.intValue() < 1 || n.intValue() > 8) {
                throw new OpenAiError(400, "n must be an integer from 1 to 8", "n", null);
            }
            if (n.intValue() > 1) {
                fields.put("num_return_sequences", n.intValue());
            }
        }
        JsonNode seed = body.get("seed");
        if (seed != null && !seed.isNull()) {
            if (!seed.isIntegralNumber()) {
                throw new OpenAiError(400, "seed must be an integer", "seed", null);
            }
            fields.put("seed", seed.longValue());
        }
        GenerationConfig c;
        try {
            c = decoding.apply(fields, Set.of());
        } catch (UserException e) {
            throw new OpenAiError(400, e.getMessage(), null, null);
        }
        if (c.numReturnSequences() > 1 && c.strategy() != GenerationConfig.Strategy.SAMPLE) {
            throw new OpenAiError(400, "n > 1 needs sampling (a temperature above 0)", "n", null);
        }
        return c;
    }

    private static void copyNumber(ObjectNode body, ObjectNode fields, String from, String to) {
        JsonNode v = body.get(from);
        if (v != null && !v.isNull()) {
            if (!v.isNumber()) {
                throw new OpenAiError(400, from + " must be a number", from, null);
            }
            fields.put(to, v.doubleValue());
        }
    }

    private static List<String> stops(ObjectNode body) {
        JsonNode s = body.get("stop");
        List<String> out = new ArrayList<>();
        if (s == null || s.isNull()) {
            return out;
        }
        if (s.isTextual()) {
            out.add(s.textValue());
        } else if (s.isArray() && s.size() <= 4) {
            for (JsonNode e : s) {
                if (!e.isTextual()) {
                    throw new OpenAiError(400, "stop must be a string or a list of up to 4 strings", "stop", null);
                }
                out.add(e.textValue());
            }
        } else {
            throw new OpenAiError(400, "stop must be a string or a list of up to 4 strings", "stop", null);
        }
        out.removeIf(String::isEmpty);
        return out;
    }

    private int promptTokens(String prompt, boolean rendered) {
        var tok = engine.session().tokenizer();
        return rendered ? tok.encodeWithoutSpecialTokens(prompt).length
                : tok.generationPrompt(prompt, engine.session().model().taskType(), Integer.MAX_VALUE).length;
    }

    /** An error as OpenAI sends it, with the HTTP status it goes with. */
    static final class OpenAiError extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final int status;
        private final String param;
        private final String code;

        OpenAiError(int status, String message, String param, String code) {
            super(message);
            this.status = status;
            this.param = param;
            this.code = code;
        }

        int status() {
            return status;
        }

        /** The OpenAI error of an exception from the server's code paths. */
        static OpenAiError of(Throwable t) {
            if (t instanceof OpenAiError o) {
                return o;
            }
            if (t instanceof HttpError h) {
                return new OpenAiError(h.status(), h.getMessage(), null, null);
            }
            if (t instanceof BatchScheduler.QueueFullException q) {
                return new OpenAiError(429, q.getMessage(), null, "rate_limit_exceeded");
            }
            if (t instanceof org.pefttrainer.peft.registry.AdapterRegistry.UnknownAdapterException u) {
                return new OpenAiError(404, u.getMessage(), "model", "model_not_found");
            }
            if (t instanceof UserException u) {
                return new OpenAiError(400, u.getMessage(), null, null);
            }
            if (t instanceof IllegalStateException s) {
                return new OpenAiError(503, s.getMessage(), null, null);
            }
            return new OpenAiError(500, "internal error (in the server log)", null, null);
        }

        ObjectNode body() {
            ObjectNode o = Json.MAPPER.createObjectNode();
            ObjectNode e = o.putObject("error");
            e.put("message", getMessage());
            e.put("type", switch (status) {
                case 401 -> "authentication_error";
                case 404 -> "invalid_request_error";
                case 429 -> "rate_limit_error";
                case 500, 503 -> "server_error";
                default -> "invalid_request_error";
            });
            e.put("param", param);
            e.put("code", code != null ? code : status == 401 ? "invalid_api_key" : null);
            return o;
        }
    }

}
