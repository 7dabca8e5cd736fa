package dev.diffusion4j.vae;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.diffusion4j.Fixtures;
import dev.diffusion4j.TinySd1;
import dev.diffusion4j.io.Png;
import dev.diffusion4j.nn.WeightSource;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AutoencoderKLTest {

    @Test
    void decodeMatchesDiffusers() {
        Fixtures.Case c = Fixtures.cases("tiny-sd1", "vae_decode").get(0);
        AutoencoderKL vae = TinySd1.model().vae();
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray latents = TinySd1.array(m, c.input("latents"));
            NDArray out = vae.decode(latents.div(vae.config().scalingFactor()));
            c.check("sample", TinySd1.floats(out));
        }
    }

    @Test
    void encodeMatchesDiffusers() throws Exception {
        Fixtures.Case c = Fixtures.cases("tiny-sd1", "vae_encode").get(0);
        AutoencoderKL vae = TinySd1.model().vae();
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray image = TinySd1.array(m, c.input("image"));
            DiagonalGaussianDistribution d = vae.encode(image);
            c.check("mean", TinySd1.floats(d.mean()));
            c.check("std", TinySd1.floats(d.std()));
            c.check("logvar", TinySd1.floats(d.logvar()));
        }
    }

    @Test
    void legacyAttentionNamesLoadToTheSameModel() {
        AutoencoderKL vae = TinySd1.model().vae();
        Map<String, NDArray> legacy = new HashMap<>();
        Map<String, String> rename = Map.of("to_q", "query", "to_k", "key", "to_v", "value", "to_out.0", "proj_attn");
        vae.namedParameters().forEach((k, p) -> {
            String name = k;
            for (var e : rename.entrySet()) {
                name = name.replace("attentions.0." + e.getKey() + ".", "attentions.0." + e.getValue() + ".");
            }
            legacy.put(name, p.array());
        });
        try (AutoencoderKL loaded = AutoencoderKL.load(vae.config(), WeightSource.of("legacy", legacy), DataType.FLOAT32);
             NDManager m = NDManager.newBaseManager()) {
            NDArray z = m.randomNormal(new ai.djl.ndarray.types.Shape(1, 4, 8, 8));
            assertEquals(0f, vae.decode(z).sub(loaded.decode(z)).abs().max().getFloat(), 0f);
        }
    }

    @Test
    void sd15ConfigHasTheParameterCountDiffusersReports() {
        // stabilityai/sd-vae-ft-mse and SD 1.5's VAE: 83,653,863 parameters
        assertEquals(83_653_863L, new AutoencoderKL(AutoencoderKLConfig.sd15(), null).parameterCount());
    }
}
