package dev.diffusion4j.fuzz;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.diffusion4j.io.Json;
import dev.diffusion4j.io.Png;
import dev.diffusion4j.io.SafeTensors;
import dev.diffusion4j.schedulers.SchedulerConfig;
import dev.diffusion4j.text.ClipTextConfig;
import dev.diffusion4j.text.ClipTokenizer;
import dev.diffusion4j.unet.UNet2DConditionConfig;
import dev.diffusion4j.vae.AutoencoderKLConfig;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import javax.imageio.ImageIO;

/**
 * The parsers of untrusted bytes, each with its seeds: tiny-sd1's own files from the shared fixtures (configs,
 * tokenizer, an init image) where present, plus small hand-made files that reach every branch quickly (a whole
 * 5 MB safetensors file per input would mostly fuzz the page cache).
 */
final class Targets {

    /** What one input may legitimately end in besides success. */
    interface Body {
        void run(byte[] input, Path scratch) throws Exception;
    }

    /**
     * A fuzz target.
     *
     * @param allowed exception types that count as a clean refusal (with a message); anything else is a finding
     */
    record Target(String name, List<byte[]> seeds, Body body, List<Class<? extends Throwable>> allowed) {}

    /** Pixel limit for fuzzed images: a mutated header may claim up to this many pixels, which must stay quick. */
    private static final long FUZZ_MAX_PIXELS = 1 << 20;

    private static final List<Class<? extends Throwable>> IO = List.of(IOException.class, UncheckedIOException.class);

    private Targets() {}

    static List<Target> all(Path fixtures) throws IOException {
        Path tiny = fixtures == null ? null : fixtures.resolve("tiny-sd1");
        List<Target> out = new ArrayList<>();
        out.add(new Target("safetensors", safetensorsSeeds(tiny), Targets::safetensors,
                List.of(IOException.class, UncheckedIOException.class, IllegalArgumentException.class,
                        UnsupportedOperationException.class)));
        out.add(new Target("unet-config", configSeeds(tiny, "unet/config.json", "{\"block_out_channels\": [32, 64],"
                + " \"down_block_types\": [\"CrossAttnDownBlock2D\", \"DownBlock2D\"],"
                + " \"up_block_types\": [\"UpBlock2D\", \"CrossAttnUpBlock2D\"],"
                + " \"attention_head_dim\": 8, \"sample_size\": 32, \"cross_attention_dim\": 32}"),
                (in, dir) -> Json.readConfig(write(dir, "config.json", in), UNet2DConditionConfig::from), IO));
        out.add(new Target("vae-config", configSeeds(tiny, "vae/config.json", "{\"block_out_channels\": [32, 64]}"),
                (in, dir) -> Json.readConfig(write(dir, "config.json", in), AutoencoderKLConfig::from), IO));
        out.add(new Target("clip-text-config", configSeeds(tiny, "text_encoder/config.json",
                "{\"hidden_size\": 32, \"num_hidden_layers\": 2, \"projection_dim\": 16}"),
                (in, dir) -> Json.readConfig(write(dir, "config.json", in), ClipTextConfig::from), IO));
        out.add(new Target("scheduler-config", configSeeds(tiny, "scheduler/scheduler_config.json",
                "{\"_class_name\": \"EulerDiscreteScheduler\", \"num_train_timesteps\": 2, \"beta_start\": 0.001,"
                        + " \"trained_betas\": [0.1, 0.2], \"timestep_spacing\": \"trailing\"}"),
                Targets::scheduler, List.of(IllegalArgumentException.class)));
        out.add(new Target("image", imageSeeds(tiny), (in, dir) -> Png.read(write(dir, "init.png", in),
                FUZZ_MAX_PIXELS), IO));
        out.add(new Target("png-text", textPngSeeds(), (in, dir) -> Png.readText(write(dir, "out.png", in)), IO));
        if (tiny != null && Files.isDirectory(tiny.resolve("tokenizer"))) {
            for (String file : List.of("vocab.json", "merges.txt", "tokenizer_config.json")) {
                out.add(new Target("tokenizer-" + file, List.of(tokenizerSeed(tiny.resolve("tokenizer"), file)),
                        (in, dir) -> tokenizer(tiny.resolve("tokenizer"), file, in, dir), IO));
            }
        }
        return out;
    }

    static Path write(Path dir, String name, byte[] content) throws IOException {
        return Files.write(dir.resolve(name), content);
    }

    // ---- safetensors: header JSON, offsets, dtypes, shapes; reading every tensor checks the data offsets

    private static void safetensors(byte[] in, Path dir) throws IOException {
        try (SafeTensors st = SafeTensors.open(write(dir, "model.safetensors", in), false)) {
            st.metadata();
            for (String name : st.names()) {
                st.info(name).byteLength();
                try {
                    st.floats(name);
                } catch (IllegalArgumentException e) {
                    // an integer or BOOL tensor: documented, and not a parser failure; keep going
                }
            }
        }
    }

    /** A safetensors file: 8-byte little-endian header length, the header JSON, then the data. */
    static byte[] safetensorsFile(String header, int dataBytes) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        for (int i = 0; i < dataBytes; i++) b.put((byte) (i * 37));
        return b.array();
    }

    private static List<byte[]> safetensorsSeeds(Path tiny) throws IOException {
        List<byte[]> seeds = new ArrayList<>();
        seeds.add(safetensorsFile("{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
                + "\"b\":{\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[24,32]},"
                + "\"c\":{\"dtype\":\"BF16\",\"shape\":[],\"data_offsets\":[32,34]},"
                + "\"d\":{\"dtype\":\"F64\",\"shape\":[1,1],\"data_offsets\":[34,42]},"
                + "\"e\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[42,50]},"
                + "\"f\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[50,52]},"
                + "\"g\":{\"dtype\":\"BOOL\",\"shape\":[0,5],\"data_offsets\":[52,52]}}", 52));
        seeds.add(safetensorsFile("{\"w\":{\"dtype\":\"F32\",\"shape\":[4,4],\"data_offsets\":[0,64]}}    ", 64));
        seeds.add(safetensorsFile("{}", 0));
        if (tiny != null) {
            // the real VAE header with its first tensors' data only (later offsets point past the end: refused)
            Path vae = tiny.resolve("vae/diffusion_pytorch_model.safetensors");
            if (Files.isRegularFile(vae)) {
                byte[] head = new byte[8];
                try (var ch = Files.newByteChannel(vae)) {
                    ch.read(ByteBuffer.wrap(head));
                    long n = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).getLong();
                    ByteBuffer all = ByteBuffer.allocate((int) Math.min(8 + n + 4096, 200_000));
                    ch.position(0).read(all);
                    seeds.add(all.array());
                }
            }
        }
        return seeds;
    }

    // ---- JSON configs, as the model folders' readers see them

    private static List<byte[]> configSeeds(Path tiny, String file, String handMade) throws IOException {
        List<byte[]> seeds = new ArrayList<>();
        seeds.add(handMade.getBytes(StandardCharsets.UTF_8));
        if (tiny != null && Files.isRegularFile(tiny.resolve(file))) {
            seeds.add(Files.readAllBytes(tiny.resolve(file)));
        }
        return seeds;
    }

    private static void scheduler(byte[] in, Path dir) {
        SchedulerConfig c = SchedulerConfig.parse(new String(in, StandardCharsets.UTF_8), "scheduler_config.json");
        c.effective();
        if (c.has("num_train_timesteps")) {
            c.numTrainTimesteps();
        }
        if (c.has("beta_start")) {
            c.betaStart();
            c.betaEnd();
        }
    }

    // ---- images: init images and masks; A1111 parameters chunks

    private static byte[] encode(BufferedImage img, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (!ImageIO.write(img, format, out)) {
            throw new IOException("no " + format + " writer");
        }
        return out.toByteArray();
    }

    private static BufferedImage noise(int w, int h, int type) {
        BufferedImage img = new BufferedImage(w, h, type);
        Random r = new Random(w * 31L + h);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img.setRGB(x, y, r.nextInt());
        return img;
    }

    private static List<byte[]> imageSeeds(Path tiny) throws IOException {
        List<byte[]> seeds = new ArrayList<>();
        seeds.add(encode(noise(16, 12, BufferedImage.TYPE_INT_RGB), "png"));
        seeds.add(encode(noise(8, 8, BufferedImage.TYPE_INT_ARGB), "png"));
        seeds.add(encode(noise(8, 8, BufferedImage.TYPE_BYTE_GRAY), "png"));
        seeds.add(encode(noise(8, 8, BufferedImage.TYPE_BYTE_INDEXED), "png"));
        seeds.add(encode(noise(16, 16, BufferedImage.TYPE_INT_RGB), "jpg"));
        seeds.add(encode(noise(8, 8, BufferedImage.TYPE_INT_RGB), "bmp"));
        seeds.add(encode(noise(8, 8, BufferedImage.TYPE_BYTE_INDEXED), "gif"));
        if (tiny != null && Files.isRegularFile(tiny.resolve("goldens/img2img_ddim.input.png"))) {
            seeds.add(Files.readAllBytes(tiny.resolve("goldens/img2img_ddim.input.png")));
        }
        return seeds;
    }

    private static List<byte[]> textPngSeeds() throws IOException {
        Path dir = Files.createTempDirectory("d4j-fuzz-seed");
        try {
            List<byte[]> seeds = new ArrayList<>();
            Map<String, String> latin = new TreeMap<>(Map.of("parameters", "a cat, masterpiece\nNegative prompt: dog\n"
                    + "Steps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1, Size: 512x512"));
            Map<String, String> utf8 = new TreeMap<>(Map.of("parameters", "猫 (cat:1.2) ✨\nSteps: 20",
                    "Software", "diffusion4j"));
            for (Map<String, String> text : List.of(latin, utf8)) {
                Path p = dir.resolve("seed.png");
                Png.write(p, noise(4, 4, BufferedImage.TYPE_INT_RGB), text);
                seeds.add(Files.readAllBytes(p));
                Files.delete(p);
            }
            return seeds;
        } finally {
            Files.deleteIfExists(dir);
        }
    }

    // ---- tokenizer files: a small vocabulary and merge list cut from tiny-sd1's, one file mutated per target

    private static final String PROMPT = "a photo of an astronaut riding a horse, 4k, <|endoftext|> (detailed:1.2) 猫";

    private static void tokenizer(Path original, String mutated, byte[] in, Path dir) throws IOException {
        for (String f : List.of("vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json")) {
            if (!f.equals(mutated)) {
                Files.write(dir.resolve(f), tokenizerSeed(original, f));
            }
        }
        write(dir, mutated, in);
        ClipTokenizer.load(dir).encode(PROMPT);
    }

    private static final Map<String, byte[]> TOKENIZER_SEEDS = new java.util.concurrent.ConcurrentHashMap<>();

    /** The tokenizer file, cut to its first entries (and the special tokens) so that one load takes ~1 ms. */
    static byte[] tokenizerSeed(Path original, String file) throws IOException {
        byte[] cached = TOKENIZER_SEEDS.get(file);
        if (cached != null) {
            return cached;
        }
        byte[] out;
        switch (file) {
            case "vocab.json" -> {
                JsonObject all = JsonParser.parseString(Files.readString(original.resolve(file))).getAsJsonObject();
                JsonObject small = new JsonObject();
                all.entrySet().stream().filter(e -> e.getValue().getAsInt() < 600 || e.getKey().startsWith("<|"))
                        .forEach(e -> small.add(e.getKey(), e.getValue()));
                out = small.toString().getBytes(StandardCharsets.UTF_8);
            }
            case "merges.txt" -> {
                List<String> lines = Files.readAllLines(original.resolve(file));
                out = (String.join("\n", lines.subList(0, Math.min(300, lines.size()))) + "\n")
                        .getBytes(StandardCharsets.UTF_8);
            }
            default -> out = Files.readAllBytes(original.resolve(file));
        }
        TOKENIZER_SEEDS.put(file, out);
        return out;
    }
}
