package dev.diffusion4j.eval;

/**
 * The judgement of one image against one prompt.
 *
 * @param passed whether the image shows what the prompt asks
 * @param reason why, in words: what was asked and what was found
 * @param detection everything the analysis found in the image
 */
public record Verdict(boolean passed, String reason, Detection detection) {}
