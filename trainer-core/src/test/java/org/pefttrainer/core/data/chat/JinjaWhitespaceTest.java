package org.pefttrainer.core.data.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * Jinja2's whitespace rules: for each case, jinja2 3.1.2 renders the original with trim_blocks and lstrip_blocks exactly
 * as it renders our rewrite without them (checked with Debian's python3-jinja2).
 */
class JinjaWhitespaceTest {
    @Test
    void minusStripsEverySideItTouches() {
        assertEquals("a{{ x }}b", JinjaWhitespace.apply("a \n {{- x -}} \n b"));
        assertEquals("a{% if y %}b", JinjaWhitespace.apply("a\n  {%- if y -%}\n  b"));
    }

    @Test
    void trimBlocksDropsOneNewlineAfterABlockOrComment() {
        assertEquals("{% if y %}a\n", JinjaWhitespace.apply("{% if y %}\na\n"));
        assertEquals("{# c #}\na", JinjaWhitespace.apply("{# c #}\n\na"));
        assertEquals("{{ x }}\na", JinjaWhitespace.apply("{{ x }}\na")); // not after an expression
    }

    @Test
    void lstripBlocksDropsIndentationBeforeABlockOnItsOwnLine() {
        assertEquals("a\n{% if y %}b", JinjaWhitespace.apply("a\n    {% if y %}b"));
        assertEquals("{% if y %}{% endif %}", JinjaWhitespace.apply("{% if y %}\n    {% endif %}"));
        assertEquals("a  {% if y %}", JinjaWhitespace.apply("a  {% if y %}")); // not the first thing on its line
        assertEquals("a\n    {{ x }}", JinjaWhitespace.apply("a\n    {{ x }}")); // expressions keep it
        assertEquals("a\n  {% if y %}", JinjaWhitespace.apply("a\n  {%+ if y %}")); // + keeps it
    }

    @Test
    void delimitersInsideStringsDoNotCloseATag() {
        assertEquals("{{ '%}' + \"}}\" }}x", JinjaWhitespace.apply("{{ '%}' + \"}}\" -}}\n x"));
    }
}
