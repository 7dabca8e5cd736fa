package dev.diffusion4j.models;

import dev.diffusion4j.nn.WeightSource;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A standalone VAE file (what {@code --vae} loads): diffusers' layout ({@code encoder.down_blocks.*}) as it is, or the
 * original layout ({@code encoder.down.N.block.M}, {@code quant_conv.*}, optionally under {@code first_stage_model.})
 * through {@link VaeKeyMap}. The training leftovers such files may carry, {@code loss.*} (the LPIPS discriminator)
 * and {@code model_ema.*} bookkeeping, are ignored by name.
 */
final class VaeFile {

    private static final String PREFIX = "first_stage_model.";

    private VaeFile() {}

    /** Builds a VAE from {@code file}; the file is open only while {@code build} runs. */
    static <M> M load(Path file, Function<WeightSource, M> build) throws IOException {
        try (SingleFile f = SingleFile.open(file)) {
            return build.apply(layout(file, f.shapes(), f.weights()));
        }
    }

    static WeightSource layout(Path file, Map<String, long[]> shapes, WeightSource all) throws IOException {
        if (shapes.keySet().stream().anyMatch(k -> k.startsWith("model.diffusion_model."))) {
            throw new IOException(file + ": a whole Stable Diffusion model, not a VAE: use it with --model");
        }
        if (shapes.keySet().stream().anyMatch(k -> k.contains("down_blocks.") || k.contains("up_blocks."))) {
            return all;
        }
        Map<String, long[]> vae = new LinkedHashMap<>();
        shapes.forEach((k, s) -> {
            String rest = k.startsWith(PREFIX) ? k.substring(PREFIX.length()) : k;
            if (!rest.startsWith("loss.") && !rest.startsWith("model_ema.")) {
                vae.put(k, s);
            }
        });
        VaeKeyMap map = new VaeKeyMap(vae.keySet().stream().map(VaeFile::strip).toList());
        Map<String, SourceTensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : vae.entrySet()) {
            List<Renamed> renamed = map.rename(strip(e.getKey()), e.getValue());
            if (renamed == null) {
                throw new IOException(file + ": '" + e.getKey() + "' is not a key of a VAE (original layout: "
                        + "encoder.*, decoder.*, quant_conv.*, post_quant_conv.*; or diffusers' layout)");
            }
            for (Renamed r : renamed) {
                out.put(r.key(), new SourceTensor(e.getKey(), r.transform(), r.transform().shape(e.getKey(),
                        e.getValue())));
            }
        }
        return new MappedWeightSource(all, "vae", out);
    }

    private static String strip(String key) {
        return key.startsWith(PREFIX) ? key.substring(PREFIX.length()) : key;
    }

    /** {@code base} with its "vae" part read from a standalone VAE file. */
    record Replacing(ModelSource base, Path vae) implements ModelSource {
        @Override
        public <M> M load(String part, Function<WeightSource, M> build) throws IOException {
            return part.equals("vae") ? VaeFile.load(vae, build) : base.load(part, build);
        }

        @Override
        public Path tokenizer() {
            return base.tokenizer();
        }

        @Override
        public String padToken() {
            return base.padToken();
        }
    }
}
