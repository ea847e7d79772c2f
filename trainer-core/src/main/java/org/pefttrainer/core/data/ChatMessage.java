package org.pefttrainer.core.data;

/** One turn of a conversation: its role (system, user, assistant, ...) and its text. */
public record ChatMessage(String role, String content) {}
