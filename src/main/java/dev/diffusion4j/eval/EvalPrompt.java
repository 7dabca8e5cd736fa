package dev.diffusion4j.eval;

/**
 * A prompt of the evaluation set.
 *
 * @param text the prompt as given to the model
 * @param category the category it is scored under
 * @param spec what it asks for, parsed from {@code text}
 */
public record EvalPrompt(String text, Category category, PromptSpec spec) {

    public EvalPrompt {
        if (text == null || category == null || spec == null) {
            throw new IllegalArgumentException("text, category and spec must not be null");
        }
        if (spec.category() != category) {
            throw new IllegalArgumentException("prompt '" + text + "' parses as " + spec.category().tag()
                    + ", not " + category.tag());
        }
    }

    /** Parses {@code text}; its category is the parsed one. */
    public static EvalPrompt of(String text) {
        PromptSpec spec = PromptSpec.parse(text);
        return new EvalPrompt(text, spec.category(), spec);
    }
}
