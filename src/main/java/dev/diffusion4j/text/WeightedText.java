package dev.diffusion4j.text;

import java.util.Objects;

/**
 * One run of prompt text and its attention weight, as A1111's {@code parse_prompt_attention} returns them. A
 * {@code BREAK} keyword is its own run {@code ("BREAK", -1)}; see {@link #isBreak()}.
 */
public record WeightedText(String text, double weight) {

    /** The marker weight A1111 gives a {@code BREAK} run. */
    static final double BREAK_WEIGHT = -1;

    public WeightedText {
        Objects.requireNonNull(text, "text");
    }

    /**
     * Whether this run starts a new chunk. Exactly A1111's test {@code text == 'BREAK' and weight == -1}: a BREAK
     * inside brackets has had its weight multiplied and is then tokenized as the word "BREAK".
     */
    public boolean isBreak() {
        return weight == BREAK_WEIGHT && text.equals("BREAK");
    }
}
