package dev.diffusion4j.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.diffusion4j.Fixtures;
import dev.diffusion4j.TinySd1;
import dev.diffusion4j.io.ModelDirectory;
import dev.diffusion4j.io.Png;
import dev.diffusion4j.models.LoadOptions;
import dev.diffusion4j.models.ModelSpec;
import dev.diffusion4j.pipelines.GenerationListener;
import dev.diffusion4j.pipelines.GenerationRequest;
import dev.diffusion4j.pipelines.StableDiffusion;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The features that landed after {@code d4j serve}: LoRAs, embeddings, inpainting masks, single checkpoint files in
 * {@code --models-dir}, SDXL and {@code --dtype}, each through the A1111 API on tiny-sd1 and compared pixel for pixel
 * with the Java API given the same parameters.
 */
class ServerExtrasTest {

    // set in start(): reading them in a static initialiser would turn a missing fixtures folder into an error
    static Path EXTRAS;
    static Path FILES;
    static Path TINY_SDXL;

    @TempDir
    static Path tmp;

    static Path loraDir;
    static D4jServer server;
    static Http http;

    @BeforeAll
    static void start() throws Exception {
        EXTRAS = Fixtures.root().resolve("sd1-extras");
        FILES = EXTRAS.resolve("files");
        TINY_SDXL = Fixtures.root().resolve("tiny-sdxl");
        Path models = Files.createDirectories(tmp.resolve("models"));
        Files.createSymbolicLink(models.resolve("tiny.safetensors"), FILES.resolve("model.safetensors").toAbsolutePath());
        Files.createSymbolicLink(models.resolve("tiny.config"), Fixtures.tinySd1().toAbsolutePath());
        Files.createSymbolicLink(models.resolve("inpaint"), EXTRAS.resolve("inpaint-model").toAbsolutePath());
        Files.createSymbolicLink(models.resolve("tiny-sdxl"), TINY_SDXL.toAbsolutePath());
        loraDir = Files.createDirectories(tmp.resolve("loras"));
        for (String f : List.of("lora-a.safetensors", "lora-b.safetensors")) {
            Files.createSymbolicLink(loraDir.resolve(f), FILES.resolve(f).toAbsolutePath());
        }
        ServerConfig config = new ServerConfig("127.0.0.1", 0, models, 4, null, List.of(),
                new ServerConfig.Limits(256L * 256, 512, 50, 4, 4 << 20), loraDir, FILES.resolve("embeddings"),
                DataType.FLOAT32);
        server = D4jServer.start(config, ModelDirectory.open(Fixtures.tinySd1(), "tiny-sd1"), null);
        http = new Http(server.port(), null);
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    static JsonObject body(String prompt, long seed) {
        JsonObject b = new JsonObject();
        b.addProperty("prompt", prompt);
        b.addProperty("seed", seed);
        b.addProperty("steps", 4);
        b.addProperty("sampler_name", "Euler");
        return b;
    }

    /** The request the server builds from {@link #body}, made with the Java API. */
    static GenerationRequest.Builder same(String prompt, long seed) {
        return GenerationRequest.builder(prompt).negativePrompt("").steps(4).sampler("Euler").seed(seed)
                .guidanceScale(7.5).loraDir(loraDir).embeddingsDir(FILES.resolve("embeddings"));
    }

    static JsonObject ok(Http.Response r) {
        assertEquals(200, r.status(), r.body());
        return r.json();
    }

    static BufferedImage image(JsonObject response) throws Exception {
        return Png.read(Base64.getDecoder().decode(response.getAsJsonArray("images").get(0).getAsString()));
    }

    static String infotext(JsonObject response) {
        return JsonParser.parseString(response.get("info").getAsString()).getAsJsonObject()
                .getAsJsonArray("infotexts").get(0).getAsString();
    }

    static void assertSamePixels(BufferedImage want, BufferedImage got) {
        assertArrayEquals(Png.toRgb(want), Png.toRgb(got), "same pixels as the Java API");
    }

    static String b64(Path file) throws Exception {
        return Base64.getEncoder().encodeToString(Files.readAllBytes(file));
    }

    @Test
    void lorasAreListedAsA1111AndAppliedByTag() throws Exception {
        JsonArray loras = http.get("/sdapi/v1/loras").element().getAsJsonArray();
        assertEquals(2, loras.size(), loras.toString());
        JsonObject a = loras.get(0).getAsJsonObject();
        assertEquals("lora-a", a.get("name").getAsString());
        assertFalse(a.get("alias").getAsString().isBlank());
        assertEquals(loraDir.resolve("lora-a.safetensors").toAbsolutePath().toString(), a.get("path").getAsString());
        assertTrue(a.get("metadata").isJsonObject());

        String prompt = "a red square <lora:lora-a:0.8>";
        JsonObject r = ok(http.post("/sdapi/v1/txt2img", body(prompt, 11)));
        BufferedImage want = TinySd1.model().generate(same(prompt, 11).build(), GenerationListener.NONE).images().get(0);
        assertSamePixels(want, image(r));
        assertTrue(infotext(r).contains("Lora hashes: \"lora-a: "), infotext(r));
        BufferedImage plain = image(ok(http.post("/sdapi/v1/txt2img", body("a red square", 11))));
        assertFalse(Arrays.equals(Png.toRgb(plain), Png.toRgb(image(r))), "the LoRA changes the image");
        // and it is unmerged again: the same request without the tag gives the plain model's pixels
        assertSamePixels(TinySd1.model().generate(same("a red square", 11).build(), GenerationListener.NONE).images().get(0), plain);

        Http.Response missing = http.post("/sdapi/v1/txt2img", body("x <lora:lora-c:1>", 1));
        assertEquals(404, missing.status());
        assertTrue(missing.json().get("detail").getAsString().contains("lora-a, lora-b"), missing.body());
        assertEquals(404, http.post("/sdapi/v1/txt2img", body("x <lora:../loras/lora-a:1>", 1)).status());
        assertEquals(404, http.post("/sdapi/v1/txt2img", body("x <hypernet:lora-a:1>", 1)).status());

        Files.createSymbolicLink(loraDir.resolve("lora-c.safetensors"), FILES.resolve("lora-b.safetensors").toAbsolutePath());
        try {
            assertEquals(404, http.post("/sdapi/v1/txt2img", body("x <lora:lora-c:1>", 1)).status(),
                    "a file added after the listing is not used until refresh-loras");
            assertEquals(200, http.post("/sdapi/v1/refresh-loras", "").status());
            assertEquals(3, http.get("/sdapi/v1/loras").element().getAsJsonArray().size());
            ok(http.post("/sdapi/v1/txt2img", body("x <lora:lora-c:1>", 1)));
        } finally {
            Files.delete(loraDir.resolve("lora-c.safetensors"));
            http.post("/sdapi/v1/refresh-loras", "");
        }
    }

    @Test
    void embeddingsAreListedAsA1111AndUsedByRequests() throws Exception {
        JsonObject e = http.get("/sdapi/v1/embeddings").json();
        JsonObject loaded = e.getAsJsonObject("loaded");
        assertEquals(3, loaded.size(), e.toString());
        JsonObject glow = loaded.getAsJsonObject("glowstyle");
        assertEquals(2, glow.get("vectors").getAsInt());
        assertEquals(TinySd1.textEncoder().config().hiddenSize(), glow.get("shape").getAsInt());
        for (String k : List.of("step", "sd_checkpoint", "sd_checkpoint_name")) {
            assertTrue(glow.has(k), k);
        }
        assertEquals(3, loaded.getAsJsonObject("badhands").get("vectors").getAsInt());
        assertEquals(0, e.getAsJsonObject("skipped").size());

        JsonObject b = body("a glowstyle circle", 21);
        b.addProperty("negative_prompt", "badhands");
        JsonObject r = ok(http.post("/sdapi/v1/txt2img", b));
        BufferedImage want = TinySd1.model().generate(same("a glowstyle circle", 21).negativePrompt("badhands").build(),
                GenerationListener.NONE).images().get(0);
        assertSamePixels(want, image(r));
        assertTrue(infotext(r).contains("TI hashes: \"glowstyle: "), infotext(r));
        assertEquals(200, http.post("/sdapi/v1/refresh-embeddings", "").status());
    }

    @Test
    void img2imgWithAMaskInpaintsLikeTheJavaApi() throws Exception {
        JsonObject b = body("a blue triangle", 31);
        JsonArray init = new JsonArray();
        init.add(b64(FILES.resolve("inpaint-image.png")));
        b.add("init_images", init);
        b.addProperty("mask", "data:image/png;base64," + b64(FILES.resolve("inpaint-mask.png")));
        b.addProperty("denoising_strength", 0.75);
        b.addProperty("mask_blur", 4);           // A1111 options this server accepts and ignores
        b.addProperty("inpainting_fill", 1);
        b.addProperty("inpaint_full_res", true);
        JsonObject r = ok(http.post("/sdapi/v1/img2img", b));
        BufferedImage image = Png.read(FILES.resolve("inpaint-image.png"));
        BufferedImage mask = Png.read(FILES.resolve("inpaint-mask.png"));
        BufferedImage want = TinySd1.model().generate(same("a blue triangle", 31).initImage(image, 0.75).mask(mask)
                .build(), GenerationListener.NONE).images().get(0);
        assertSamePixels(want, image(r));
        assertFalse(r.getAsJsonObject("parameters").has("mask"), "the mask is not echoed back");

        b.addProperty("inpainting_mask_invert", 1);
        byte[] rgb = Png.toRgb(mask);
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] = (byte) (255 - (rgb[i] & 0xff));
        }
        BufferedImage inverted = Png.rgb(rgb, mask.getWidth(), mask.getHeight());
        BufferedImage wantInverted = TinySd1.model().generate(same("a blue triangle", 31).initImage(image, 0.75)
                .mask(inverted).build(), GenerationListener.NONE).images().get(0);
        assertFalse(Arrays.equals(Png.toRgb(want), Png.toRgb(wantInverted)));
        assertSamePixels(wantInverted, image(ok(http.post("/sdapi/v1/img2img", b))));
        b.addProperty("mask", "aGVsbG8=");
        assertEquals(422, http.post("/sdapi/v1/img2img", b).status());
        assertEquals(200, http.get("/v1/info").status());
        assertTrue(http.get("/v1/info").json().getAsJsonObject("capabilities").get("inpainting").getAsBoolean());
    }

    /** Switches models, so every model-dependent step runs here in order and the test ends on tiny-sd1 again. */
    @Test
    void singleFilesSdxlAndInpaintingModelsSwitchByName() throws Exception {
        String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(Files.readAllBytes(FILES.resolve("model.safetensors"))));
        JsonObject file = null;
        for (int i = 0; i < 100 && (file == null || file.get("hash").isJsonNull()); i++) {
            for (JsonElement m : http.get("/sdapi/v1/sd-models").element().getAsJsonArray()) {
                if (m.getAsJsonObject().get("model_name").getAsString().equals("tiny")) {
                    file = m.getAsJsonObject();
                }
            }
            Thread.sleep(50);
        }
        assertNotNull(file, "the single file is listed");
        assertEquals(sha256, file.get("sha256").getAsString());
        assertEquals(sha256.substring(0, 10), file.get("hash").getAsString());
        assertEquals("tiny.safetensors [" + sha256.substring(0, 10) + "]", file.get("title").getAsString());
        JsonArray all = http.get("/sdapi/v1/sd-models").element().getAsJsonArray();
        assertFalse(all.toString().contains("tiny.config\""), "a file's config folder is not listed: " + all);

        BufferedImage folder = image(ok(http.post("/sdapi/v1/txt2img", body("a green circle", 41))));
        try {
            switchTo(file.get("title").getAsString());
            assertEquals(file.get("title").getAsString(),
                    http.get("/sdapi/v1/options").json().get("sd_model_checkpoint").getAsString());
            assertSamePixels(folder, image(ok(http.post("/sdapi/v1/txt2img", body("a green circle", 41)))));

            switchTo("tiny-sdxl");
            JsonObject xl = ok(http.post("/sdapi/v1/txt2img", body("a green circle", 41)));
            try (StableDiffusion sdxl = StableDiffusion.load(ModelSpec.open(ModelDirectory.open(TINY_SDXL, "tiny-sdxl")),
                    LoadOptions.defaults(), d -> { })) {
                assertSamePixels(sdxl.generate(same("a green circle", 41).build(), GenerationListener.NONE).images().get(0), image(xl));
            }
            assertEquals(0, http.get("/sdapi/v1/embeddings").json().getAsJsonObject("loaded").size(),
                    "SD 1.x embeddings are skipped for SDXL");

            switchTo("inpaint");
            Http.Response refused = http.post("/sdapi/v1/txt2img", body("x", 1));
            assertEquals(422, refused.status());
            assertTrue(refused.json().get("detail").getAsString().contains("inpainting model"), refused.body());
        } finally {
            switchTo("tiny-sd1");
        }
    }

    static void switchTo(String title) {
        JsonObject set = new JsonObject();
        set.addProperty("sd_model_checkpoint", title);
        Http.Response r = http.post("/sdapi/v1/options", set);
        assertEquals(200, r.status(), r.body());
    }

    @Test
    void bf16ServerMatchesTheJavaApiInBf16() throws Exception {
        ServerConfig config = new ServerConfig("127.0.0.1", 0, null, 1, null, List.of(),
                ServerConfig.Limits.defaults(), null, null, DataType.BFLOAT16);
        try (D4jServer bf16 = D4jServer.start(config, ModelDirectory.open(Fixtures.tinySd1(), "tiny-sd1"), null);
             StableDiffusion model = StableDiffusion.load(ModelSpec.open(ModelDirectory.open(Fixtures.tinySd1(),
                     "tiny-sd1")), LoadOptions.defaults().withDtype(DataType.BFLOAT16), d -> { })) {
            JsonObject r = ok(new Http(bf16.port(), null).post("/sdapi/v1/txt2img", body("a red circle", 51)));
            GenerationRequest req = GenerationRequest.builder("a red circle").negativePrompt("").steps(4)
                    .sampler("Euler").seed(51).guidanceScale(7.5).build();
            assertSamePixels(model.generate(req, GenerationListener.NONE).images().get(0), image(r));
            BufferedImage fp32 = TinySd1.model().generate(req, GenerationListener.NONE).images().get(0);
            assertFalse(Arrays.equals(Png.toRgb(fp32), Png.toRgb(image(r))), "bf16 is not fp32");
        }
    }
}
