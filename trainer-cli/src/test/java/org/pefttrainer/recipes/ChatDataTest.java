package org.pefttrainer.recipes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.config.ConfigArguments;
import org.pefttrainer.core.config.TrainerConfig;
import org.pefttrainer.core.data.Example;
import org.pefttrainer.core.data.batch.Batch;
import org.pefttrainer.core.data.batch.TokenizedExample;
import org.pefttrainer.core.io.Json;
import org.pefttrainer.cli.ChatFixtures;

/**
 * data.chat: a summarisation example becomes a user turn (the prompt template's text) and an assistant turn (the
 * summary) of the model's chat template; the prompt is what serving's /v1/chat/completions sends, and only the
 * assistant's turn (the summary and the template's end of turn) carries labels. Hand-rendered ChatML is the truth.
 */
class ChatDataTest {
    @TempDir Path dir;

    private static ModelSession session(Path model) {
        TrainerConfig cfg = config(model);
        return ModelSession.open(cfg.model(), cfg.device(), model);
    }

    private static TrainerConfig config(Path model, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("model.path=" + model, "device=cpu", "data.chat=true",
                "data.prompt_template=\"Summarize: {dialogue}\""));
        args.addAll(List.of(extra));
        return ConfigArguments.split(args).load().settings();
    }

    @Test
    void theAssistantTurnAloneCarriesTheLoss() throws Exception {
        Path model = ChatFixtures.write(dir)[0];
        TrainerConfig cfg = config(model);
        try (ModelSession s = session(model)) {
            Example e = new Example("x", "w1 w2", "w3 w4");
            TokenizedExample t = TaskData.encoder(s, cfg.data()).encode(e);
            var tok = s.tokenizer();
            String prompt = "<|im_start|>user\nSummarize: w1 w2<|im_end|>\n<|im_start|>assistant\n";
            assertArrayEquals(tok.encodeWithoutSpecialTokens(prompt), t.sourceIds());
            assertArrayEquals(tok.encodeWithoutSpecialTokens("w3 w4<|im_end|>\n"), t.targetIds());
            Batch b = TaskData.collator(s, cfg.data()).collate(List.of(t), new int[] {0});
            int p = t.sourceIds().length;
            int n = p + t.targetIds().length; // no EOS appended: the template's end of turn closes the reply
            assertEquals(n, b.sourceLength());
            for (int j = 0; j < n; j++) {
                long want = j + 1 < n && j + 1 >= p ? b.inputIds()[j + 1] : Batch.IGNORE_INDEX;
                assertEquals(want, b.labels()[j], "position " + j);
            }
        }
    }

    @Test
    void aModelWithoutATemplateIsRefusedWithTheKeyToSet() throws Exception {
        Path model = ChatFixtures.write(dir)[0];
        ObjectNode tc = (ObjectNode) Json.read(model.resolve("tokenizer_config.json"));
        tc.remove("chat_template");
        Json.write(model.resolve("tokenizer_config.json"), tc);
        TrainerConfig cfg = config(model);
        try (ModelSession s = session(model)) {
            UserException e = assertThrows(UserException.class, () -> TaskData.encoder(s, cfg.data()));
            assertTrue(e.getMessage().contains("data.chat_template") && e.getMessage().contains("tokenizer_config.json"),
                    e.getMessage());
            // data.chat_template gives one
            TrainerConfig given = config(model, "data.chat_template=\"" + ChatFixtures.CHATML.replace("\\", "\\\\")
                    .replace("\"", "\\\"") + "\"");
            TokenizedExample t = TaskData.encoder(s, given.data()).encode(new Example("x", "w1", "w2"));
            assertTrue(t.targetIds().length > 1);
        }
        assertTrue(Files.isRegularFile(model.resolve("tokenizer_config.json")));
    }

    /**
     * data.format = chat: a "messages" record (system, user, assistant, user, assistant) gets labels on both
     * assistant turns and nowhere else; its reference is the last reply and generation starts before it.
     */
    @Test
    void conversationalRecordsAreLabelledOnEveryAssistantTurn() throws Exception {
        Path model = ChatFixtures.write(dir)[0];
        Path data = Files.createDirectories(dir.resolve("chats"));
        String record = "{\"id\": \"c1\", \"messages\": [{\"role\": \"system\", \"content\": \"w1\"},"
                + " {\"role\": \"user\", \"content\": \"w2 w3\"}, {\"role\": \"assistant\", \"content\": \"w4\"},"
                + " {\"role\": \"user\", \"content\": \"w5\"}, {\"role\": \"assistant\", \"content\": \"w6 w7\"}]}";
        for (String split : new String[] {"train", "validation"}) {
            Files.writeString(data.resolve(split + ".jsonl"), (record + "\n").repeat(8));
        }
        TrainerConfig cfg = config(model, "data.format=chat", "data.chat=false", "data.path=" + data);
        try (ModelSession s = session(model)) {
            List<Example> examples = Datasets.read(cfg.data(), "train", 0);
            Example e = examples.get(0);
            assertEquals("w6 w7", e.target());
            assertEquals(5, e.messages().size());
            var tok = s.tokenizer();
            String[] parts = {
                "<|im_start|>system\nw1<|im_end|>\n<|im_start|>user\nw2 w3<|im_end|>\n<|im_start|>assistant\n",
                "w4<|im_end|>\n",
                "<|im_start|>user\nw5<|im_end|>\n<|im_start|>assistant\n",
                "w6 w7<|im_end|>\n"};
            List<Integer> ids = new java.util.ArrayList<>();
            List<Boolean> labelled = new java.util.ArrayList<>();
            for (int k = 0; k < parts.length; k++) {
                for (int id : tok.encodeWithoutSpecialTokens(parts[k])) {
                    ids.add(id);
                    labelled.add(k % 2 == 1);
                }
            }
            TokenizedExample t = TaskData.encoder(s, cfg.data()).encode(e);
            Batch b = TaskData.collator(s, cfg.data()).collate(List.of(t), new int[] {0});
            assertEquals(ids.size(), b.sourceLength());
            for (int j = 0; j < ids.size(); j++) {
                assertEquals((long) ids.get(j), b.inputIds()[j], "token " + j);
                long want = j + 1 < ids.size() && labelled.get(j + 1) ? ids.get(j + 1) : Batch.IGNORE_INDEX;
                assertEquals(want, b.labels()[j], "label at " + j);
            }
            assertEquals(parts[0] + parts[1] + parts[2], new org.pefttrainer.core.data.chat.ChatPrompts(
                    org.pefttrainer.core.data.chat.ChatTemplate.fromModelFolder(model).orElseThrow(),
                    org.pefttrainer.core.data.PromptTemplate.of(cfg.data().promptTemplate())).prompt(e));
        }
    }

    /**
     * A prompt longer than data.max_source_length loses the end of the dialogue, never the opening of the reply:
     * the source is the start of the rendered prompt, then the end of the user's turn and the assistant's opening.
     */
    @Test
    void aLongDialogueIsCutBeforeTheOpeningOfTheReply() throws Exception {
        Path model = ChatFixtures.write(dir)[0];
        TrainerConfig cfg = config(model, "data.max_source_length=12");
        try (ModelSession s = session(model)) {
            StringBuilder dialogue = new StringBuilder();
            for (int i = 0; i < 40; i++) {
                dialogue.append(i == 0 ? "" : " ").append('w').append(i);
            }
            TokenizedExample t = TaskData.encoder(s, cfg.data()).encode(new Example("x", dialogue.toString(), "w3"));
            var tok = s.tokenizer();
            int[] head = tok.encodeWithoutSpecialTokens("<|im_start|>user\nSummarize: " + dialogue);
            int[] tail = tok.encodeWithoutSpecialTokens("<|im_end|>\n<|im_start|>assistant\n");
            assertEquals(12, t.sourceIds().length);
            int h = 12 - tail.length;
            assertArrayEquals(java.util.Arrays.copyOf(head, h), java.util.Arrays.copyOf(t.sourceIds(), h));
            assertArrayEquals(tail, java.util.Arrays.copyOfRange(t.sourceIds(), h, 12));
        }
    }
}
