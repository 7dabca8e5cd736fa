package dev.diffusion4j.text;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.diffusion4j.nn.Model;
import dev.diffusion4j.tensor.Ops;
import dev.diffusion4j.tensor.Precision;
import dev.diffusion4j.tensor.Tensors;
import java.util.List;
import java.util.Map;

/**
 * SDXL conditioning, as diffusers' StableDiffusionXLPipeline.encode_prompt: the prompt through {@code tokenizer} and
 * the CLIP ViT-L encoder, the second prompt (the same one by default) through {@code tokenizer_2} (which pads with
 * "!") and the OpenCLIP bigG encoder with projection; each encoder's {@code hidden_states[-2]} without the final
 * layer norm, concatenated on the channel axis (768 + 1280 = 2048 for SDXL base); the pooled embedding is the second
 * encoder's projected EOS output (Podell et al. 2023 § 2.1).
 *
 * <p>Clip skip k selects {@code hidden_states[-(k + 2)]} of both encoders, as diffusers does for the prompt; unlike
 * diffusers 0.25.1 (whose negative prompt always takes {@code hidden_states[-2]}) it applies to every prompt this
 * conditioner encodes, negative ones included, as A1111 and stable-diffusion.cpp do and as {@link ClipConditioner}
 * does for SD 1.x/2.x.
 */
public final class SdxlConditioner implements Conditioner {

    private final ClipTokenizer tokenizer;
    private final ClipTokenizer tokenizer2;
    private final ClipTextModel textEncoder;
    private final ClipTextModel textEncoder2;
    private final boolean forceZerosForEmptyPrompt;
    private boolean closed;

    /**
     * @param textEncoder2 a CLIPTextModelWithProjection (its projection gives the pooled embedding)
     * @param forceZerosForEmptyPrompt {@code model_index.json}'s flag: without a negative prompt, guidance runs
     *     against zero embeddings rather than the empty prompt's
     * @throws IllegalArgumentException when the second encoder has no projection
     */
    public SdxlConditioner(ClipTokenizer tokenizer, ClipTextModel textEncoder, ClipTokenizer tokenizer2,
                           ClipTextModel textEncoder2, boolean forceZerosForEmptyPrompt) {
        if (textEncoder2.config().projectionDim() == 0) {
            throw new IllegalArgumentException("text_encoder_2 must be a CLIPTextModelWithProjection: SDXL's pooled "
                    + "embedding is its text_projection output");
        }
        this.tokenizer = tokenizer;
        this.tokenizer2 = tokenizer2;
        this.textEncoder = textEncoder;
        this.textEncoder2 = textEncoder2;
        this.forceZerosForEmptyPrompt = forceZerosForEmptyPrompt;
    }

    @Override
    public Conditioning encode(NDManager manager, List<String> prompts, int clipSkip) {
        return encodePlain(manager, prompts, null, clipSkip);
    }

    @Override
    public Conditioning encode(NDManager manager, List<String> prompts, PromptOptions options) {
        return encode(manager, prompts, null, options);
    }

    /**
     * A1111's syntax and embeddings are not implemented for SDXL yet: a prompt that would read differently under them
     * (weights, brackets, BREAK, more than 75 tokens, an embedding's trigger word) is refused rather than read
     * literally; any other prompt reads the same either way.
     */
    @Override
    public Conditioning encode(NDManager manager, List<String> prompts, List<String> secondPrompts,
                               PromptOptions options) {
        for (List<String> list : secondPrompts == null ? List.of(prompts) : List.of(prompts, secondPrompts)) {
            for (String p : list) {
                requireLiteral(p, options);
            }
        }
        return encodePlain(manager, prompts, secondPrompts, options.clipSkip());
    }

    private void requireLiteral(String prompt, PromptOptions options) {
        if (options.syntax() == PromptSyntax.A1111) {
            List<WeightedText> runs = PromptParser.parse(prompt);
            boolean literal = runs.size() == 1 && runs.get(0).weight() == 1.0 && runs.get(0).text().equals(prompt);
            if (!literal && !prompt.isEmpty() || tokenizer.encode(prompt).size() > tokenizer.maxLength() - 2) {
                throw new IllegalArgumentException("A1111 prompt syntax (weights, brackets, BREAK, prompts over "
                        + (tokenizer.maxLength() - 2) + " tokens) is not supported for SDXL yet; use --prompt-syntax "
                        + "plain to read the prompt literally: " + prompt);
            }
        }
        for (String word : prompt.split("[^\\p{L}\\p{N}_-]+")) {
            if (options.embeddings().byName().containsKey(word)) {
                throw new IllegalArgumentException("textual-inversion embeddings are not supported for SDXL yet: '"
                        + word + "' would trigger one");
            }
        }
    }

    private Conditioning encodePlain(NDManager manager, List<String> prompts, List<String> secondPrompts,
                                     int clipSkip) {
        if (closed) {
            throw new IllegalStateException("the text encoder weights were freed after a one-shot generation "
                    + "(freeParamsImmediately); load the model again to generate more");
        }
        if (clipSkip < 0 || clipSkip >= layers()) {
            throw new IllegalArgumentException("clip skip " + clipSkip + " outside [0, " + layers() + ") for SDXL, "
                    + "which already conditions on the penultimate layer");
        }
        List<String> second = secondPrompts == null ? prompts : secondPrompts;
        if (second.size() != prompts.size()) {
            throw new IllegalArgumentException(second.size() + " second prompts for " + prompts.size() + " prompts");
        }
        ClipTextModel.Output first = textEncoder.forward(ids(manager, tokenizer, prompts), clipSkip + 1, false);
        ClipTextModel.Output other = textEncoder2.forward(ids(manager, tokenizer2, second), clipSkip + 1, false);
        NDArray context = Ops.cat(2, first.lastHiddenState(), other.lastHiddenState());
        first.pooled().close();
        return new Conditioning(context, other.pooled());
    }

    @Override
    public Conditioning unconditional(NDManager manager, Conditioning cond, PromptOptions options) {
        if (!forceZerosForEmptyPrompt) {
            return Conditioner.super.unconditional(manager, cond, options);
        }
        return new Conditioning(Precision.zeros(manager, cond.context().getShape(), Precision.dtypeOf(cond.context())),
                Precision.zeros(manager, cond.pooled().getShape(), Precision.dtypeOf(cond.pooled())));
    }

    private static NDArray ids(NDManager manager, ClipTokenizer tokenizer, List<String> prompts) {
        int len = tokenizer.maxLength();
        long[] ids = new long[prompts.size() * len];
        for (int i = 0; i < prompts.size(); i++) {
            System.arraycopy(tokenizer.inputIds(prompts.get(i)), 0, ids, i * len, len);
        }
        return Tensors.of(manager, ids, new Shape(prompts.size(), len));
    }

    @Override
    public Map<String, Model> textEncoders() {
        return Map.of("text_encoder", textEncoder, "text_encoder_2", textEncoder2);
    }

    /** Both encoders' layers but the last, the penultimate being SDXL's default. */
    @Override
    public int layers() {
        return Math.min(textEncoder.config().numHiddenLayers(), textEncoder2.config().numHiddenLayers()) - 1;
    }

    @Override
    public void close() {
        if (!closed) {
            textEncoder.close();
            textEncoder2.close();
            closed = true;
        }
    }
}
