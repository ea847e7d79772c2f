package org.pefttrainer.recipes;

import java.nio.file.Path;
import java.util.Optional;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.data.chat.ChatPrompts;
import org.pefttrainer.core.data.chat.ChatTemplate;

import org.pefttrainer.core.config.DataConfig;
import org.pefttrainer.core.data.PromptTemplate;
import org.pefttrainer.core.data.batch.BatchCollator;
import org.pefttrainer.core.data.batch.CausalCollator;
import org.pefttrainer.core.data.batch.Collator;
import org.pefttrainer.core.data.tokenize.ExampleEncoder;

/** The example encoding and batch layout of the session's task type (seq2seq or causal). */
public final class TaskData {
    private TaskData() {}

    public static ExampleEncoder encoder(ModelSession session, DataConfig data) {
        Optional<ChatPrompts> chat = chat(session, data);
        if (chat.isPresent()) {
            return ExampleEncoder.chat(session.tokenizer(), chat.get(), data.maxSourceLength());
        }
        PromptTemplate t = PromptTemplate.of(data.promptTemplate());
        return causal(session) ? ExampleEncoder.causal(session.tokenizer(), t) : new ExampleEncoder(session.tokenizer(), t);
    }

    /**
     * data.chat's prompts: the prompt template's text as the user's turn of the chat template (data.chat_template,
     * else the model's); empty when data.chat is off. A model without a template, or a seq2seq model, is refused.
     */
    public static Optional<ChatPrompts> chat(ModelSession session, DataConfig data) {
        String key = data.format() == DataConfig.Format.CHAT ? "data.format = chat" : "data.chat = true";
        if (!chat(data)) {
            return Optional.empty();
        }
        if (!causal(session)) {
            throw new UserException(key + ": chat templates are for decoder-only models, and "
                    + session.folder().dir() + " is a " + session.model().architecture());
        }
        Path dir = session.folder().dir();
        ChatTemplate template = data.chatTemplate()
                .map(t -> new ChatTemplate(t, "data.chat_template", ChatTemplate.fromModelFolder(dir)
                        .map(ChatTemplate::specialTokens).orElse(java.util.Map.of())))
                .or(() -> ChatTemplate.fromModelFolder(dir))
                .orElseThrow(() -> new UserException(key + ": " + dir.resolve("tokenizer_config.json")
                        + " has no chat_template; set data.chat_template to the model's template"));
        return Optional.of(new ChatPrompts(template, PromptTemplate.of(data.promptTemplate())));
    }

    /** Whether examples go through the chat template: data.chat, or conversational records. */
    static boolean chat(DataConfig data) {
        return data.chat() || data.format() == DataConfig.Format.CHAT;
    }

    public static Collator collator(ModelSession session, DataConfig data) {
        if (causal(session)) {
            int pad = session.model().padTokenId() >= 0 ? session.model().padTokenId() : session.model().eosTokenId();
            // a chat example's reply ends with the template's end of turn: no EOS after it
            return new CausalCollator(data.maxSourceLength(), data.maxTargetLength(), session.model().eosTokenId(), pad,
                    !chat(data));
        }
        return new BatchCollator(data.maxSourceLength(), data.maxTargetLength(), session.tokenizer().specialTokens());
    }

    static boolean causal(ModelSession session) {
        return session.model().taskType().causal();
    }
}
