package org.pefttrainer.core.data.chat;

import java.util.List;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.data.Example;
import org.pefttrainer.core.data.PromptTemplate;

/**
 * Summarisation examples as a chat (data.chat): the prompt template's text is the user's message and the summary the
 * assistant's reply, rendered with the model's chat template. Training sees the prompt (the conversation up to the
 * opening of the assistant's turn, what serving sends) and the reply (the rest of the rendered conversation: the
 * summary and the template's end of turn), which alone carries the loss, as TRL's assistant-only loss.
 */
public final class ChatPrompts {
    private final ChatTemplate chat;
    private final PromptTemplate prompt;

    public ChatPrompts(ChatTemplate chat, PromptTemplate prompt) {
        this.chat = chat;
        this.prompt = prompt;
    }

    /** The rendered conversation up to the assistant's reply (add_generation_prompt on): what generation starts from. */
    public String prompt(Example e) {
        return chat.render(List.of(new ChatTemplate.Message("user", prompt.render(e))), true);
    }

    /** {prompt, reply}: the reply is what the rendered conversation with the summary adds after the prompt. */
    public String[] promptAndReply(Example e, String summary) {
        String p = prompt(e);
        String full = chat.render(List.of(new ChatTemplate.Message("user", prompt.render(e)),
                new ChatTemplate.Message("assistant", summary)), false);
        if (!full.startsWith(p)) {
            throw new UserException("the chat template renders the conversation of example " + e.id()
                    + " without its generation prompt in front, so the assistant's reply cannot be told apart:"
                    + " set data.chat_template to one that does");
        }
        return new String[] {p, full.substring(p.length())};
    }
}
