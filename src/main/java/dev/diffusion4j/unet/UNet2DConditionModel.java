package dev.diffusion4j.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.diffusion4j.nn.Conv2d;
import dev.diffusion4j.nn.GroupNorm;
import dev.diffusion4j.nn.Model;
import dev.diffusion4j.nn.ModuleList;
import dev.diffusion4j.nn.WeightSource;
import dev.diffusion4j.tensor.Ops;
import dev.diffusion4j.tensor.Scopes;
import dev.diffusion4j.tensor.Precision;
import java.util.ArrayList;
import java.util.List;

/**
 * diffusers' UNet2DConditionModel for SD 1.x / 2.x / XL: sinusoidal timestep embedding → MLP (plus, for SDXL's
 * {@code addition_embed_type: text_time}, the embedded pooled text and size/crop ids), {@code conv_in}, down blocks
 * (keeping skips), the cross-attention mid block, up blocks consuming the skips, GroupNorm → SiLU → {@code conv_out}.
 * It predicts the noise (or v) for a latent batch, conditioned on text embeddings. Owns the NDManager of its weights.
 */
public final class UNet2DConditionModel extends Model {

    private final UNet2DConditionConfig config;
    private final TimestepEmbedding time_embedding;
    private final TimestepEmbedding add_embedding;
    private final Conv2d conv_in;
    private final ModuleList<DownBlock2D> down_blocks = child("down_blocks", new ModuleList<>());
    private final UNetMidBlock2DCrossAttn mid_block;
    private final ModuleList<UpBlock2D> up_blocks = child("up_blocks", new ModuleList<>());
    private final GroupNorm conv_norm_out;
    private final Conv2d conv_out;

    UNet2DConditionModel(UNet2DConditionConfig c, NDManager manager) {
        super(manager);
        this.config = c;
        int[] boc = c.blockOutChannels();
        int n = boc.length;
        time_embedding = child("time_embedding", new TimestepEmbedding(boc[0], c.timeEmbedDim()));
        add_embedding = c.additionEmbedType() == null ? null
                : child("add_embedding", new TimestepEmbedding(c.projectionClassEmbeddingsInputDim(), c.timeEmbedDim()));
        conv_in = child("conv_in", new Conv2d(c.inChannels(), boc[0], 3, 1, 1));
        long out = boc[0];
        for (int i = 0; i < n; i++) {
            long in = out;
            out = boc[i];
            down_blocks.add(DownBlock2D.of(c, i, in, out, i < n - 1));
        }
        mid_block = child("mid_block", new UNetMidBlock2DCrossAttn(c));
        out = boc[n - 1];
        for (int i = 0; i < n; i++) {
            long prevOut = out;
            out = boc[n - 1 - i];
            long in = boc[Math.max(n - 2 - i, 0)];
            up_blocks.add(UpBlock2D.of(c, i, in, out, prevOut, i < n - 1));
        }
        conv_norm_out = child("conv_norm_out", new GroupNorm(c.normNumGroups(), boc[0], c.normEps()));
        conv_out = child("conv_out", new Conv2d(boc[0], c.outChannels(), 3, 1, 1));
    }

    /** Loads weights strictly from a diffusers {@code diffusion_pytorch_model.safetensors}. */
    public static UNet2DConditionModel load(UNet2DConditionConfig config, WeightSource weights, DataType dtype) {
        return loaded(new UNet2DConditionModel(config, NDManager.newBaseManager()), weights, dtype, k -> false);
    }

    /** The number of weights a model of {@code config} has, counted without allocating any. */
    public static long parameterCount(UNet2DConditionConfig config) {
        return new UNet2DConditionModel(config, null).parameterCount();
    }

    /** A model with random weights (tests, benchmarks), deterministic per seed. */
    public static UNet2DConditionModel random(UNet2DConditionConfig config, DataType dtype, long seed) {
        return randomized(new UNet2DConditionModel(config, NDManager.newBaseManager()), dtype, seed);
    }

    public UNet2DConditionConfig config() {
        return config;
    }

    /**
     * One denoising call.
     *
     * @param sample (B, in_channels, h, w) latents; sizes that are not multiples of the down-sampling factor work as in
     *     diffusers (each upsampler matches its skip connection's size)
     * @param timesteps float32 of shape () or (1) for the whole batch, or (B) one per item (int or fractional values)
     * @param context (B, L, cross_attention_dim) text embeddings
     */
    public NDArray forward(NDArray sample, NDArray timesteps, NDArray context) {
        return forward(sample, timesteps, context, null);
    }

    /**
     * One denoising call with added conditioning (diffusers' {@code added_cond_kwargs}).
     *
     * @param added required by UNets with {@code addition_embed_type: text_time} (SDXL), refused by the others
     * @see #forward(NDArray, NDArray, NDArray)
     */
    public NDArray forward(NDArray sample, NDArray timesteps, NDArray context, AddedConditions added) {
        if (added != null && add_embedding == null) {
            throw new IllegalArgumentException("this UNet has no addition_embed_type: it takes no added conditions");
        }
        if (added == null && add_embedding != null) {
            throw new IllegalArgumentException("this UNet has addition_embed_type " + config.additionEmbedType()
                    + ": it needs added conditions (text_embeds and time_ids)");
        }
        Shape s = sample.getShape();
        if (s.dimension() != 4 || s.get(1) != config.inChannels()) {
            throw new IllegalArgumentException("UNet expects (B, " + config.inChannels() + ", H, W) latents, got " + s);
        }
        long b = s.get(0);
        if (added != null) {
            checkAdded(added, b);
        }
        NDArray t = timesteps.toType(DataType.FLOAT32, false).reshape(-1);
        if (t.size() == 1) {
            t = t.broadcast(b);
        } else if (t.size() != b) {
            throw new IllegalArgumentException(t.size() + " timesteps for a batch of " + b);
        }
        NDArray steps = t;
        // bf16 weights: the float32 latents and embeddings are converted here and the prediction returned in float32,
        // so the scheduler's arithmetic stays float32
        return Scopes.scoped(() -> Precision.float32(denoise(computeInput(sample), steps, computeInput(context),
                added)));
    }

    private void checkAdded(AddedConditions added, long batch) {
        Shape text = added.textEmbeds().getShape();
        Shape ids = added.timeIds().getShape();
        long width = text.dimension() == 2 && ids.dimension() == 2
                ? text.get(1) + ids.get(1) * config.additionTimeEmbedDim() : -1;
        if (text.get(0) != batch || ids.get(0) != batch || width != config.projectionClassEmbeddingsInputDim()) {
            throw new IllegalArgumentException("added conditions text_embeds " + text + " and time_ids " + ids
                    + " do not fit a batch of " + batch + " with projection_class_embeddings_input_dim "
                    + config.projectionClassEmbeddingsInputDim() + " (text width + ids × addition_time_embed_dim "
                    + config.additionTimeEmbedDim() + ")");
        }
    }

    private NDArray denoise(NDArray sample, NDArray t, NDArray context, AddedConditions added) {
        int[] boc = config.blockOutChannels();
        DataType dtype = Precision.dtypeOf(sample);
        NDArray temb = time_embedding.forward(Precision.cast(
                Timesteps.embed(t, boc[0], config.flipSinToCos(), config.freqShift()), dtype));
        if (added != null) {
            temb = temb.add(add_embedding.forward(Precision.cast(addEmbeds(added), dtype)));
        }

        NDArray x = conv_in.forward(sample);
        List<NDArray> skips = new ArrayList<>();
        skips.add(x);
        for (DownBlock2D block : down_blocks.items()) {
            x = block.forward(x, temb, context, skips);
        }
        x = mid_block.forward(x, temb, context);
        for (UpBlock2D block : up_blocks.items()) {
            x = block.forward(x, temb, context, skips);
        }
        return conv_out.forward(Ops.silu(conv_norm_out.forward(x)));
    }

    /**
     * SDXL's "text_time" input (Podell et al. 2023 § 2.2): every time id (sizes and crop coordinates) embedded
     * sinusoidally in {@code addition_time_embed_dim} channels (the timestep's flip and shift), the ids of one item
     * side by side, after the pooled text embedding.
     */
    private NDArray addEmbeds(AddedConditions added) {
        NDArray ids = added.timeIds();
        long b = ids.getShape().get(0);
        NDArray timeEmbeds = Timesteps.embed(ids.reshape(-1), config.additionTimeEmbedDim(), config.flipSinToCos(),
                config.freqShift()).reshape(b, -1);
        return Ops.cat(1, added.textEmbeds().toType(DataType.FLOAT32, false), timeEmbeds);
    }
}
