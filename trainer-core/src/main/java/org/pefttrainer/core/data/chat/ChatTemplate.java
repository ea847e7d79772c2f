package org.pefttrainer.core.data.chat;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.data.ChatMessage;

/**
 * A model's chat template (tokenizer_config.json's {@code chat_template}), rendered as transformers'
 * {@code apply_chat_template} renders it (transformers 4.45: Jinja with trim_blocks and lstrip_blocks, the
 * variables {@code messages}, {@code add_generation_prompt} and the tokenizer's special tokens, the functions
 * {@code raise_exception} and {@code strftime_now}). Rendering uses Jinjava; the tests hold it to Python's jinja2 on the
 * real templates of five instruct models.
 */
public final class ChatTemplate {
    private static final ThreadLocal<Supplier<LocalDate>> TODAY = ThreadLocal.withInitial(() -> LocalDate::now);

    private final String source;
    private final String prepared;
    private final String where;
    private final Map<String, String> specialTokens;
    private final Jinjava jinja;

    /**
     * @param source the template text
     * @param where what to name in errors, e.g. "model/tokenizer_config.json: chat_template"
     * @param specialTokens bos_token, eos_token, ... as the template sees them (missing ones render empty)
     */
    public ChatTemplate(String source, String where, Map<String, String> specialTokens) {
        this.source = source;
        try {
            this.prepared = JinjaWhitespace.apply(source);
        } catch (IllegalArgumentException e) {
            throw new UserException(where + ": not a Jinja template: " + e.getMessage());
        }
        this.where = where;
        this.specialTokens = Map.copyOf(specialTokens);
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withLegacyOverrides(LegacyOverrides.newBuilder()
                        .withUseNaturalOperatorPrecedence(true)
                        .build())
                .build();
        this.jinja = new Jinjava(config);
        jinja.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception", ChatTemplate.class,
                "raiseException", String.class));
        jinja.getGlobalContext().registerFunction(new ELFunctionDefinition("", "strftime_now", ChatTemplate.class,
                "strftimeNow", String.class));
    }

    /**
     * The template of a model folder: tokenizer_config.json's {@code chat_template}, a string or a list of
     * {@code {name, template}} (the one named "default"), with its {@code bos_token} / {@code eos_token} (strings or
     * {@code {"content": ...}} objects); empty when the folder has none.
     */
    public static java.util.Optional<ChatTemplate> fromModelFolder(java.nio.file.Path dir) {
        java.nio.file.Path file = dir.resolve("tokenizer_config.json");
        if (!java.nio.file.Files.isRegularFile(file)) {
            return java.util.Optional.empty();
        }
        com.fasterxml.jackson.databind.JsonNode cfg = org.pefttrainer.core.io.Json.read(file);
        com.fasterxml.jackson.databind.JsonNode t = cfg.path("chat_template");
        String text = null;
        if (t.isTextual()) {
            text = t.asText();
        } else if (t.isArray()) {
            for (com.fasterxml.jackson.databind.JsonNode named : t) {
                if (named.path("name").asText().equals("default")) {
                    text = named.path("template").asText(null);
                }
            }
            if (text == null) {
                throw new UserException(file + ": chat_template is a list without an entry named \"default\"");
            }
        } else if (!t.isMissingNode() && !t.isNull()) {
            throw new UserException(file + ": chat_template must be a string or a list of {name, template}");
        }
        if (text == null) {
            return java.util.Optional.empty();
        }
        Map<String, String> tokens = new LinkedHashMap<>();
        for (String key : List.of("bos_token", "eos_token", "unk_token", "pad_token")) {
            com.fasterxml.jackson.databind.JsonNode v = cfg.path(key);
            String token = v.isTextual() ? v.asText() : v.path("content").asText(null);
            if (token != null) {
                tokens.put(key, token);
            }
        }
        return java.util.Optional.of(new ChatTemplate(text, file + ": chat_template", tokens));
    }

    /** The special tokens the template sees (bos_token, eos_token, ...). */
    public Map<String, String> specialTokens() {
        return specialTokens;
    }

    public String source() {
        return source;
    }

    /**
     * The prompt text of {@code messages}; with {@code addGenerationPrompt} the template's opening of the
     * assistant's turn follows. A template that raises (a role order it refuses) is a UserException with its message.
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        List<Map<String, Object>> turns = new ArrayList<>();
        for (ChatMessage m : messages) {
            Map<String, Object> turn = new LinkedHashMap<>();
            turn.put("role", m.role());
            turn.put("content", m.content());
            turns.add(turn);
        }
        Map<String, Object> vars = new LinkedHashMap<>(specialTokens);
        vars.put("messages", turns);
        vars.put("add_generation_prompt", addGenerationPrompt);
        vars.put("raise_exception", "function"); // `is defined` sees functions as variables, as jinja2's globals
        vars.put("strftime_now", "function");
        RenderResult r = jinja.renderForResult(prepared, vars);
        for (TemplateError e : r.getErrors()) {
            if (e.getSeverity() == TemplateError.ErrorType.FATAL) {
                Throwable cause = e.getException();
                while (cause != null && !(cause instanceof Raised)) {
                    cause = cause.getCause();
                }
                if (cause != null) {
                    throw new UserException(where + ": " + cause.getMessage());
                }
                throw new UserException(where + ": cannot render: " + e.getMessage());
            }
        }
        return r.getOutput();
    }

    /** The template's own refusal (raise_exception), carried out of Jinjava with its message. */
    static final class Raised extends RuntimeException {
        Raised(String message) {
            super(message);
        }
    }

    public static String raiseException(String message) {
        throw new Raised(message);
    }

    /** Python's strftime of today's date (what the Llama 3 templates print as "Today Date"). */
    public static String strftimeNow(String format) {
        LocalDate d = TODAY.get().get();
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 == format.length()) {
                out.append(c);
                continue;
            }
            char f = format.charAt(++i);
            out.append(switch (f) {
                case 'd' -> String.format(Locale.ROOT, "%02d", d.getDayOfMonth());
                case 'm' -> String.format(Locale.ROOT, "%02d", d.getMonthValue());
                case 'Y' -> Integer.toString(d.getYear());
                case 'y' -> String.format(Locale.ROOT, "%02d", d.getYear() % 100);
                case 'b' -> d.format(DateTimeFormatter.ofPattern("MMM", Locale.ENGLISH));
                case 'B' -> d.format(DateTimeFormatter.ofPattern("MMMM", Locale.ENGLISH));
                case 'a' -> d.format(DateTimeFormatter.ofPattern("EEE", Locale.ENGLISH));
                case 'A' -> d.format(DateTimeFormatter.ofPattern("EEEE", Locale.ENGLISH));
                case 'j' -> String.format(Locale.ROOT, "%03d", d.getDayOfYear());
                case '%' -> "%";
                default -> "%" + f;
            });
        }
        return out.toString();
    }

    /** For tests: the date strftime_now sees on this thread (null: today). */
    static void fixToday(LocalDate date) {
        TODAY.set(date == null ? LocalDate::now : () -> date);
    }

}
