package org.pefttrainer.core.data;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.pefttrainer.core.UserException;

/**
 * Turns an example into the model's input text. Placeholders: {@code {dialogue}} (required) and {@code {topic}}
 * (only for datasets with topics); any other {@code {name}} is an error, caught when the template is made.
 * Braces not around a name are kept as written.
 */
public final class PromptTemplate {
    public static final String DEFAULT_TEXT = "Summarize the following conversation.\n\n{dialogue}\n\nSummary: ";
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([A-Za-z_][A-Za-z0-9_]*)\\}");
    private static final List<String> KNOWN = List.of("dialogue", "topic");

    private final String text;
    /** The template cut at its placeholders: literal, name, literal, name, ..., literal. */
    private final List<String> parts;

    private PromptTemplate(String text, List<String> parts) {
        this.text = text;
        this.parts = parts;
    }

    /** The default FLAN-style summarisation prompt. */
    public static PromptTemplate defaults() {
        return of(DEFAULT_TEXT);
    }

    /** Parses and checks a template. */
    public static PromptTemplate of(String text) {
        List<String> parts = new ArrayList<>();
        Matcher m = PLACEHOLDER.matcher(text);
        int last = 0;
        boolean hasDialogue = false;
        while (m.find()) {
            String name = m.group(1);
            if (!KNOWN.contains(name)) {
                throw new UserException("prompt template: unknown placeholder {" + name
                        + "}; known placeholders are {dialogue} and {topic}");
            }
            hasDialogue |= name.equals("dialogue");
            parts.add(text.substring(last, m.start()));
            parts.add(name);
            last = m.end();
        }
        parts.add(text.substring(last));
        if (!hasDialogue) {
            throw new UserException("prompt template has no {dialogue} placeholder: the model would never see the input");
        }
        return new PromptTemplate(text, List.copyOf(parts));
    }

    /** The template as written. */
    public String text() {
        return text;
    }

    /** True if the template uses {@code {topic}}. */
    public boolean usesTopic() {
        for (int i = 1; i < parts.size(); i += 2) {
            if (parts.get(i).equals("topic")) {
                return true;
            }
        }
        return false;
    }

    /** The input text for {@code example}; a {@code {topic}} the example lacks is an error naming the example. */
    public String render(Example example) {
        StringBuilder sb = new StringBuilder(text.length() + example.source().length());
        for (int i = 0; i < parts.size(); i++) {
            String p = parts.get(i);
            if (i % 2 == 0) {
                sb.append(p);
            } else if (p.equals("dialogue")) {
                sb.append(example.source());
            } else {
                sb.append(example.topic().orElseThrow(() -> new UserException("prompt template uses {topic} but"
                        + " example " + example.id() + " has no topic (SAMSum has none)")));
            }
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return text;
    }
}
