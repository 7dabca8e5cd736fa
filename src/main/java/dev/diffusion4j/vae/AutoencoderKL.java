package dev.diffusion4j.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.diffusion4j.nn.Conv2d;
import dev.diffusion4j.nn.Model;
import dev.diffusion4j.nn.WeightSource;
import dev.diffusion4j.tensor.Precision;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * diffusers' AutoencoderKL: {@link #encode} an image in [-1, 1] to a diagonal Gaussian over latents, {@link #decode}
 * latents back. Scaling by {@code scaling_factor} is the pipeline's job (diffusers does the same). Owns the NDManager
 * of its weights.
 */
public final class AutoencoderKL extends Model {

    /** Legacy VAE attention names (SD 1.x/2.x files on the hub) → current diffusers names. */
    private static final Pattern LEGACY = Pattern.compile("(.*\\.mid_block\\.attentions\\.0\\.)(query|key|value|proj_attn)\\.(weight|bias)");
    private static final Map<String, String> LEGACY_NAMES = Map.of("query", "to_q", "key", "to_k", "value", "to_v",
            "proj_attn", "to_out.0");

    private final AutoencoderKLConfig config;
    private final Encoder encoder;
    private final Decoder decoder;
    private final Conv2d quant_conv;
    private final Conv2d post_quant_conv;

    AutoencoderKL(AutoencoderKLConfig c, NDManager manager) {
        super(manager);
        this.config = c;
        encoder = child("encoder", new Encoder(c));
        decoder = child("decoder", new Decoder(c));
        quant_conv = child("quant_conv", new Conv2d(2L * c.latentChannels(), 2L * c.latentChannels(), 1, 1, 0));
        post_quant_conv = child("post_quant_conv", new Conv2d(c.latentChannels(), c.latentChannels(), 1, 1, 0));
    }

    /** Loads weights strictly, accepting both current and legacy ({@code query/key/value/proj_attn}) attention names. */
    public static AutoencoderKL load(AutoencoderKLConfig config, WeightSource weights, DataType dtype) {
        return loaded(new AutoencoderKL(config, NDManager.newBaseManager()), renameLegacy(weights), dtype, k -> false);
    }

    /** The number of weights a model of {@code config} has, counted without allocating any. */
    public static long parameterCount(AutoencoderKLConfig config) {
        return new AutoencoderKL(config, null).parameterCount();
    }

    /** A model with random weights (tests, benchmarks), deterministic per seed. */
    public static AutoencoderKL random(AutoencoderKLConfig config, DataType dtype, long seed) {
        return randomized(new AutoencoderKL(config, NDManager.newBaseManager()), dtype, seed);
    }

    public AutoencoderKLConfig config() {
        return config;
    }

    /** @param image (B, in_channels, H, W) in [-1, 1], H and W multiples of the scale factor */
    public DiagonalGaussianDistribution encode(NDArray image) {
        Shape s = image.getShape();
        int f = config.scaleFactor();
        if (s.dimension() != 4 || s.get(1) != config.inChannels() || s.get(2) % f != 0 || s.get(3) % f != 0) {
            throw new IllegalArgumentException("VAE encode expects (B, " + config.inChannels() + ", H, W) with H, W "
                    + "multiples of " + f + ", got " + s);
        }
        return DiagonalGaussianDistribution.of(Precision.float32(quant_conv.forward(encoder.forward(computeInput(image)))));
    }

    /**
     * {@link #encode(NDArray)}, tiled when {@code tiling} applies to the image's size ({@link VaeTiling}).
     */
    public DiagonalGaussianDistribution encode(NDArray image, VaeTiling tiling) {
        Shape s = image.getShape();
        int tile = VaeTiling.tileSample(config);
        // as diffusers: an image that fits one tile is encoded whole
        if (s.dimension() != 4 || !tiling.applies(s.get(2), s.get(3)) || (s.get(2) <= tile && s.get(3) <= tile)) {
            return encode(image);
        }
        return DiagonalGaussianDistribution.of(VaeTiling.encode(config, image, part -> Precision.float32(
                quant_conv.forward(encoder.forward(computeInput(part))))));
    }

    /**
     * {@link #decode(NDArray)}, tiled when {@code tiling} applies to the decoded image's size ({@link VaeTiling}).
     */
    public NDArray decode(NDArray z, VaeTiling tiling) {
        Shape s = z.getShape();
        int f = config.scaleFactor();
        int tile = VaeTiling.tileSample(config) / f;
        if (s.dimension() != 4 || !tiling.applies(s.get(2) * f, s.get(3) * f) || (s.get(2) <= tile && s.get(3) <= tile)) {
            return decode(z);
        }
        return VaeTiling.decode(config, z, this::decode);
    }

    /** @param z unscaled latents (B, latent_channels, h, w); returns the raw decoder output (about [-1, 1]) */
    public NDArray decode(NDArray z) {
        Shape s = z.getShape();
        if (s.dimension() != 4 || s.get(1) != config.latentChannels()) {
            throw new IllegalArgumentException("VAE decode expects (B, " + config.latentChannels() + ", h, w), got " + s);
        }
        return Precision.float32(decoder.forward(post_quant_conv.forward(computeInput(z))));
    }

    private static WeightSource renameLegacy(WeightSource source) {
        Map<String, String> toSource = new LinkedHashMap<>();
        for (String name : source.names()) {
            Matcher m = LEGACY.matcher(name);
            toSource.put(m.matches() ? m.group(1) + LEGACY_NAMES.get(m.group(2)) + "." + m.group(3) : name, name);
        }
        if (toSource.keySet().equals(source.names())) {
            return source;
        }
        return new WeightSource() {
            @Override
            public String describe() {
                return source.describe();
            }

            @Override
            public Set<String> names() {
                return toSource.keySet();
            }

            @Override
            public Shape shape(String name) {
                return source.shape(toSource.get(name));
            }

            @Override
            public NDArray load(String name, NDManager manager, DataType dtype) {
                return source.load(toSource.get(name), manager, dtype);
            }
        };
    }
}
