package org.pefttrainer.core.data.chat;

import org.pefttrainer.core.data.ChatMessage;
import java.util.List;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.data.Example;
import org.pefttrainer.core.data.PromptTemplate;

/**
 * Examples as a chat, rendered with the model's chat template: a summarisation example (data.chat) as the prompt
 * template's text in the user's turn and the summary in the assistant's; a conversational record (data.format =
 * chat) as its own turns. Generation starts from the conversation up to the opening of the (last) assistant turn,
 * what serving sends; in training only the assistants' turns (their text and the template's end of turn) carry the
 * loss, as TRL's assistant-only loss.
 */
public final class ChatPrompts {
    private final ChatTemplate chat;
    private final PromptTemplate prompt;

    public ChatPrompts(ChatTemplate chat, PromptTemplate prompt) {
        this.chat = chat;
        this.prompt = prompt;
    }

    /** A stretch of a rendered conversation and whether it is an assistant's turn (labelled). */
    public record Segment(String text, boolean assistant) {}

    /**
     * The rendered conversation up to the (last) assistant reply, add_generation_prompt on: what generation starts
     * from. A conversational record's turns before its last reply; else the prompt template's text as the user's.
     */
    public String prompt(Example e) {
        if (!e.messages().isEmpty()) {
            return chat.render(e.messages().subList(0, e.messages().size() - 1), true);
        }
        return chat.render(List.of(new ChatMessage("user", prompt.render(e))), true);
    }

    /**
     * Where the rendered prompt may be shortened: the end of the last user message's content in {@code promptText}
     * (a long dialogue makes it long). What follows, the end of that turn and the opening of the reply, is kept
     * whole, so that a cut prompt still asks for the reply. The text's length when the content is not found.
     */
    public int cutPoint(String promptText, Example e) {
        String user = "";
        if (e.messages().isEmpty()) {
            user = prompt.render(e);
        } else {
            for (ChatMessage m : e.messages().subList(0, e.messages().size() - 1)) {
                user = m.role().equals("user") ? m.content() : user;
            }
        }
        int at = user.isEmpty() ? -1 : promptText.lastIndexOf(user);
        return at < 0 ? promptText.length() : at + user.length();
    }

    /**
     * {@code head} then {@code tail} in at most {@code max} tokens: the head loses its end first; the tail (the
     * opening of the reply) is cut only when it alone is longer than {@code max}, keeping its end.
     */
    public static int[] fit(int[] head, int[] tail, int max) {
        int t = Math.min(tail.length, max);
        int h = Math.min(head.length, max - t);
        int[] out = java.util.Arrays.copyOf(head, h + t);
        System.arraycopy(tail, tail.length - t, out, h, t);
        return out;
    }

    /**
     * The whole rendered conversation cut into stretches, each assistant reply its own: for assistant reply i, the
     * stretch is what the conversation through that reply adds after the conversation before it with its generation
     * prompt. The stretches join to the rendering of the whole conversation.
     */
    public List<Segment> segments(Example e) {
        List<ChatMessage> turns = e.messages().isEmpty() ? List.of(new ChatMessage("user", prompt.render(e)),
                new ChatMessage("assistant", e.target())) : e.messages();
        List<Segment> out = new java.util.ArrayList<>();
        int done = 0;
        String before = "";
        for (int i = 0; i < turns.size(); i++) {
            if (!turns.get(i).role().equals("assistant")) {
                continue;
            }
            String open = chat.render(turns.subList(0, i), true);
            String through = chat.render(turns.subList(0, i + 1), false);
            if (!open.startsWith(before) || !through.startsWith(open)) {
                throw new UserException("the chat template renders the conversation of example " + e.id()
                        + " so that a reply's text does not follow its generation prompt; the assistant's turns"
                        + " cannot be told apart: set data.chat_template to one that does");
            }
            out.add(new Segment(open.substring(done), false));
            out.add(new Segment(through.substring(open.length()), true));
            done = through.length();
            before = through;
        }
        String all = chat.render(turns, false);
        if (all.length() > done) {
            out.add(new Segment(all.substring(done), false));
        }
        return out;
    }
}
