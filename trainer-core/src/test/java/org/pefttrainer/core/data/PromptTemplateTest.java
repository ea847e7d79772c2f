package org.pefttrainer.core.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.pefttrainer.core.UserException;

class PromptTemplateTest {
    private static final Example EX = new Example("x", "#Person1#: Hi.\n#Person2#: Hello.", List.of("They greet."),
            Optional.of("greeting"));

    @Test
    void defaultTemplate() {
        assertEquals("Summarize the following conversation.\n\n#Person1#: Hi.\n#Person2#: Hello.\n\nSummary: ",
                PromptTemplate.defaults().render(EX));
        assertFalse(PromptTemplate.defaults().usesTopic());
    }

    @Test
    void topicAndLiteralBraces() {
        PromptTemplate t = PromptTemplate.of("Topic: {topic}. {not a name} {dialogue}{dialogue}");
        assertTrue(t.usesTopic());
        assertEquals("Topic: greeting. {not a name} #Person1#: Hi.\n#Person2#: Hello.#Person1#: Hi.\n#Person2#: Hello.",
                t.render(EX));
        UserException e = assertThrows(UserException.class, () -> t.render(new Example("s1", "A: b", "c")));
        assertTrue(e.getMessage().contains("{topic}") && e.getMessage().contains("s1"), e.getMessage());
    }

    @Test
    void unknownPlaceholderIsNamed() {
        UserException e = assertThrows(UserException.class, () -> PromptTemplate.of("{dialogue} {summary}"));
        assertTrue(e.getMessage().contains("{summary}"), e.getMessage());
        e = assertThrows(UserException.class, () -> PromptTemplate.of("Summarize: {topic}"));
        assertTrue(e.getMessage().contains("{dialogue}"), e.getMessage());
    }

    @Test
    void tokenizerCorpusHasPromptWordsAndSummaries() {
        List<String> lines = TokenizerCorpus.lines(List.of(EX, new Example("y", "A: ok", "  B agrees.\nTwice. ")),
                PromptTemplate.defaults());
        assertEquals(List.of("Summarize the following conversation.", "#Person1#: Hi.", "#Person2#: Hello.",
                "Summary:", "They greet.", "Summarize the following conversation.", "A: ok", "Summary:",
                "B agrees.", "Twice."), lines);
    }
}
