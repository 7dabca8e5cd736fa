package dev.diffusion4j.text;

import java.util.Locale;

/** How prompt text becomes tokens. */
public enum PromptSyntax {
    /**
     * AUTOMATIC1111's rules: {@code (x)}, {@code [x]}, {@code (x:w)} emphasis, escapes, {@code BREAK}, prompts of any
     * length in 75-token chunks ({@link PromptChunker}), each chunk's output weighted and rescaled ({@link Emphasis}).
     */
    A1111,
    /** diffusers' literal text: brackets are characters, and everything past 75 tokens is cut. */
    PLAIN;

    /** "a1111" or "plain", any case. */
    public static PromptSyntax parse(String name) {
        for (PromptSyntax s : values()) {
            if (s.name().equalsIgnoreCase(name.trim())) {
                return s;
            }
        }
        throw new IllegalArgumentException("prompt syntax '" + name + "': expected a1111 or plain");
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
