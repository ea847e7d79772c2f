package org.pefttrainer.core.data.chat;

import org.pefttrainer.core.data.ChatMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.io.Json;

/**
 * The real chat templates of SmolLM2, Qwen2.5, Llama 3.2, Mistral v0.3 and Gemma 2 (../shared/models/
 * chat-templates.json) render byte for byte as Python's jinja2 renders them with transformers' settings
 * (tools/reference/make_chat_template_fixtures.py): six conversations (with and without a system turn, several
 * turns, a role order some templates refuse), add_generation_prompt off and on; a template that raises gives its
 * message.
 */
class ChatTemplateTest {
    private static final Path TEMPLATES = Path.of("..", "..", "shared", "models", "chat-templates.json");
    private static final JsonNode FIXTURE = Json.read(Path.of("src", "test", "resources", "chat-templates",
            "cases.json"));

    @AfterEach
    void today() {
        ChatTemplate.fixToday(null);
    }

    static Stream<JsonNode> cases() {
        List<JsonNode> all = new ArrayList<>();
        FIXTURE.get("cases").forEach(all::add);
        return all.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void rendersAsJinja2(JsonNode c) {
        Assumptions.assumeTrue(Files.isRegularFile(TEMPLATES), "../shared/models/chat-templates.json");
        JsonNode entry = Json.read(TEMPLATES).get(c.get("template").asText());
        Map<String, String> tokens = new HashMap<>();
        tokens.put("bos_token", entry.path("bos_token").asText(""));
        tokens.put("eos_token", entry.path("eos_token").asText(""));
        ChatTemplate t = new ChatTemplate(entry.get("chat_template").asText(), c.get("template").asText(), tokens);
        ChatTemplate.fixToday(LocalDate.parse(FIXTURE.get("date_for_strftime_now").asText()));
        List<ChatMessage> messages = new ArrayList<>();
        FIXTURE.get("conversations").get(c.get("conversation").asText()).forEach(m -> messages.add(
                new ChatMessage(m.get("role").asText(), m.get("content").asText())));
        boolean add = c.get("add_generation_prompt").asBoolean();
        if (c.has("error")) {
            UserException e = assertThrows(UserException.class, () -> t.render(messages, add));
            assertEquals(c.get("template").asText() + ": " + c.get("error").asText(), e.getMessage());
        } else {
            assertEquals(c.get("text").asText(), t.render(messages, add));
        }
    }


    /**
     * tokenizer_config.json as the Hub has it: chat_template a named list (the "default" entry is used), special
     * tokens as strings or AddedToken objects; a folder without one has no template; a list without a default is a
     * one-line error naming the file.
     */
    @org.junit.jupiter.api.Test
    void readsTheTemplateOfAModelFolder(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"bos_token\": {\"content\": \"<s>\","
                + " \"lstrip\": false}, \"eos_token\": \"</s>\", \"chat_template\": [{\"name\": \"tool_use\","
                + " \"template\": \"tools\"}, {\"name\": \"default\", \"template\": \"{{ bos_token }}"
                + "{% for m in messages %}[{{ m.role }}] {{ m.content }}{{ eos_token }}{% endfor %}\"}]}");
        ChatTemplate t = ChatTemplate.fromModelFolder(dir).orElseThrow();
        assertEquals("<s>[user] hi</s>[assistant] yo</s>", t.render(List.of(new ChatMessage("user", "hi"),
                new ChatMessage("assistant", "yo")), false));
        UserException broken = assertThrows(UserException.class, () -> new ChatTemplate("{{ oops",
                "data.chat_template", java.util.Map.of()));
        assertEquals("data.chat_template: not a Jinja template: unclosed template tag at offset 0",
                broken.getMessage());
        UserException bad = assertThrows(UserException.class, () -> new ChatTemplate("{% if %}x",
                "data.chat_template", java.util.Map.of()).render(List.of(new ChatMessage("user", "hi")), true));
        assertTrue(bad.getMessage().startsWith("data.chat_template: cannot render"), bad.getMessage());
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"eos_token\": \"</s>\"}");
        assertTrue(ChatTemplate.fromModelFolder(dir).isEmpty());
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"chat_template\": [{\"name\": \"x\","
                + " \"template\": \"y\"}]}");
        UserException e = assertThrows(UserException.class, () -> ChatTemplate.fromModelFolder(dir));
        assertTrue(e.getMessage().contains("tokenizer_config.json") && e.getMessage().contains("default"),
                e.getMessage());
    }
}
