package dev.diffusion4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.diffusion4j.nn.Container;
import dev.diffusion4j.nn.Conv2d;
import dev.diffusion4j.nn.Linear;
import dev.diffusion4j.nn.Model;
import dev.diffusion4j.nn.Parameter;
import dev.diffusion4j.tensor.Ops;
import dev.diffusion4j.tensor.Tensors;
import java.util.List;

/**
 * CLIP's contrastive objective (Radford et al. 2021, Fig. 3) between the text encoder's pooled end-of-text state and a
 * small convolutional encoder of the clean latent, an auxiliary loss while the UNet and text encoder train.
 *
 * <p>Why: Stable Diffusion conditions on a text encoder that CLIP pretrained to tell captions apart by what the image
 * shows. A text encoder trained only through the diffusion loss gets no gradient to keep apart words the UNet does
 * not use yet, and can erase them for good (the built-in model's encoder maps "on the left" and "on the right" to
 * nearly the same states, so no UNet could follow them). Matching captions to latents among a batch of others makes
 * every word that changes the image change the caption's embedding. The latent encoder flattens its last feature map
 * instead of pooling it, so it sees where things are, not only what. Works for any image-caption data.
 *
 * <p>Keys follow transformers' CLIPModel where there is one ({@code text_projection}, {@code visual_projection},
 * {@code logit_scale}); {@code latent_encoder.*} is the stand-in for CLIP's vision tower.
 */
public final class ContrastiveAlignment extends Model {

    /** CLIP's initial temperature, 1/0.07, and its cap of 100 on the logit scale. */
    static final float INIT_LOGIT_SCALE = (float) Math.log(1 / 0.07);
    static final float MAX_LOGIT_SCALE = (float) Math.log(100);

    private final Conv2d conv_in;
    private final Conv2d conv_down_0;
    private final Conv2d conv_down_1;
    private final Linear visual_projection;
    private final Linear text_projection;
    private final Parameter logit_scale;
    private final float weight;
    private final int batch;

    private ContrastiveAlignment(int latentChannels, int latentSize, int textHidden, int dim, float weight, int batch) {
        super(NDManager.newBaseManager());
        if (latentSize % 4 != 0) {
            throw new IllegalArgumentException("the contrastive loss needs a latent size divisible by 4, got "
                    + latentSize);
        }
        if (!(weight > 0)) throw new IllegalArgumentException("--contrastive-loss must be > 0, got " + weight);
        if (batch < 2) throw new IllegalArgumentException("--contrastive-batch must be ≥ 2, got " + batch);
        this.weight = weight;
        this.batch = batch;
        Container latent_encoder = child("latent_encoder", new Container());
        conv_in = latent_encoder.add("conv_in", new Conv2d(latentChannels, 32, 3, 1, 1));
        conv_down_0 = latent_encoder.add("conv_down_0", new Conv2d(32, 64, 3, 2, 1));
        conv_down_1 = latent_encoder.add("conv_down_1", new Conv2d(64, 64, 3, 2, 1));
        long flat = 64L * (latentSize / 4) * (latentSize / 4);
        visual_projection = child("visual_projection", new Linear(flat, dim, false));
        text_projection = child("text_projection", new Linear(textHidden, dim, false));
        logit_scale = param("logit_scale", 1);
    }

    /** A fresh head with random weights (deterministic per seed) and CLIP's initial temperature. */
    public static ContrastiveAlignment random(int latentChannels, int latentSize, int textHidden, float weight,
                                              int batch, long seed) {
        ContrastiveAlignment a = randomized(new ContrastiveAlignment(latentChannels, latentSize, textHidden, textHidden,
                weight, batch), DataType.FLOAT32, seed);
        Tensors.assign(a.logit_scale.array(), new float[] {INIT_LOGIT_SCALE});
        return a;
    }

    /** Multiplier of this loss in the training objective. */
    public float weight() {
        return weight;
    }

    /** Caption-latent pairs per step. */
    public int batch() {
        return batch;
    }

    /** The current logit scale, exp(logit_scale) before the cap. */
    float logitScale() {
        return (float) Math.exp(logit_scale.array().getFloat(0));
    }

    /** What a resumed run must share with its checkpoint. */
    String describe() {
        return "weight " + weight + ", batch " + batch;
    }

    /**
     * The symmetric cross-entropy of caption-to-latent and latent-to-caption matching over the batch. Identical
     * captions are all positives of each other's latents (targets spread evenly over them), so a batch with repeats
     * does not push apart latents that the same words describe.
     *
     * @param pooled (N, D) the text encoder's end-of-text states
     * @param latents (N, C, h, w) clean latents
     */
    NDArray loss(NDArray pooled, NDArray latents, List<String> captions) {
        int n = captions.size();
        NDArray x = Ops.silu(conv_in.forward(latents));
        x = Ops.silu(conv_down_0.forward(x));
        x = Ops.silu(conv_down_1.forward(x));
        NDArray img = normalize(visual_projection.forward(x.reshape(n, -1)));
        NDArray txt = normalize(text_projection.forward(pooled));
        NDArray scale = logit_scale.array().clip(Float.NEGATIVE_INFINITY, MAX_LOGIT_SCALE).exp();
        NDArray logits = txt.matMul(img.transpose()).mul(scale);
        return symmetricCrossEntropy(logits, Tensors.of(latents.getManager(), targets(captions), new Shape(n, n)));
    }

    /** Mean of the row-wise (text → image) and column-wise (image → text) cross-entropies against soft targets. */
    static NDArray symmetricCrossEntropy(NDArray logits, NDArray targets) {
        long n = logits.getShape().get(0);
        NDArray textToImage = logits.logSoftmax(1).mul(targets).sum().neg();
        NDArray imageToText = logits.transpose().logSoftmax(1).mul(targets.transpose()).sum().neg();
        return textToImage.add(imageToText).div(2f * n);
    }

    private static NDArray normalize(NDArray x) {
        return x.div(x.square().sum(new int[] {1}, true).sqrt().add(1e-6f));
    }

    /** Row i spreads probability 1 evenly over the columns whose caption equals caption i (symmetric). */
    static float[] targets(List<String> captions) {
        int n = captions.size();
        float[] t = new float[n * n];
        for (int i = 0; i < n; i++) {
            int same = 0;
            for (int j = 0; j < n; j++) {
                if (captions.get(i).equals(captions.get(j))) same++;
            }
            for (int j = 0; j < n; j++) {
                if (captions.get(i).equals(captions.get(j))) t[i * n + j] = 1f / same;
            }
        }
        return t;
    }
}
