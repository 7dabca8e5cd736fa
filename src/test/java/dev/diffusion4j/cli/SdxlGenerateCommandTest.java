package dev.diffusion4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.diffusion4j.Fixtures;
import dev.diffusion4j.TinySdxl;
import dev.diffusion4j.io.Png;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** tiny-sdxl's txt2img, img2img and single_file cases through {@code d4j generate}, compared with the golden PNGs. */
class SdxlGenerateCommandTest {

    @TempDir
    Path dir;

    static List<Fixtures.Case> cases() {
        return Fixtures.cases("tiny-sdxl", "txt2img", "img2img", "single_file");
    }

    /** The sampler flags of a case's scheduler (the folder's own scheduler is Euler, "leading" spacing). */
    private static List<String> samplerFlags(JsonObject p) {
        String cls = p.get("scheduler_class").getAsString();
        boolean karras = p.getAsJsonObject("scheduler_config").get("use_karras_sigmas").getAsBoolean();
        return switch (cls) {
            case "EulerDiscreteScheduler" -> List.of();
            case "EulerAncestralDiscreteScheduler" -> List.of("--sampler", "euler_a");
            case "DPMSolverMultistepScheduler" -> karras ? List.of("--sampler", "dpm++2m", "--scheduler", "karras")
                    : List.of("--sampler", "dpm++2m");
            default -> throw new IllegalArgumentException("no flags for " + cls);
        };
    }

    @ParameterizedTest
    @MethodSource("cases")
    void generateMatchesTheGoldenPng(Fixtures.Case c) throws Exception {
        JsonObject p = c.params();
        Path out = dir.resolve(c.name() + ".png");
        String model = c.kind().equals("single_file")
                ? c.dir().resolve(p.get("checkpoint").getAsString()).toString() : TinySdxl.dir().toString();
        List<String> args = new ArrayList<>(List.of("generate", "-m", model,
                "-p", p.get("prompt").getAsString(), "-W", p.get("width").getAsString(),
                "-H", p.get("height").getAsString(), "--steps", p.get("num_inference_steps").getAsString(),
                "--cfg-scale", p.get("guidance_scale").getAsString(), "--seed", p.get("seed").getAsString(),
                "-o", out.toString()));
        if (!p.get("negative_prompt").isJsonNull()) {
            args.addAll(List.of("-n", p.get("negative_prompt").getAsString()));
        }
        if (!p.get("prompt_2").isJsonNull()) {
            args.addAll(List.of("--prompt-2", p.get("prompt_2").getAsString()));
        }
        if (c.kind().equals("img2img")) {
            args.addAll(List.of("-i", c.dir().resolve(c.inputs().get("image_png").getAsString()).toString(),
                    "--strength", p.get("strength").getAsString()));
        }
        if (c.kind().equals("single_file")) {
            args.addAll(List.of("--config", c.dir().resolve(p.get("config_dir").getAsString()).toString()));
        }
        args.addAll(samplerFlags(p));
        GenerateCommandTest.Run r = GenerateCommandTest.run(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        c.checkPng("image_png", Png.read(out));
        String text = Png.readText(out).get("parameters");
        assertTrue(text.contains("Size: 64x64") && !text.contains("Original size"), text);
        if (!p.get("prompt_2").isJsonNull()) {
            assertTrue(text.contains("\nPrompt 2: " + p.get("prompt_2").getAsString() + "\n"), text);
        }
    }

    @Test
    void sizeFlagsAreRecordedWhenGiven() throws Exception {
        Path out = dir.resolve("sized.png");
        GenerateCommandTest.Run r = GenerateCommandTest.run("generate", "-m", TinySdxl.dir().toString(), "-p", "a cat",
                "--steps", "2", "--seed", "3", "--original-size", "1024,768", "--target-size", "512,512",
                "--crop-top-left", "32,16", "--negative-prompt-2", "blurry", "-o", out.toString());
        assertEquals(0, r.code(), r.err());
        String text = Png.readText(out).get("parameters");
        assertTrue(text.startsWith("a cat\nNegative prompt 2: blurry\nSteps: 2, "), text);
        assertTrue(text.contains("Original size: 1024x768, Target size: 512x512, Crop top left: \"32,16\""), text);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--original-size|1024|--original-size must be W,H (two non-negative integers), got '1024'",
            "--target-size|a,b|--target-size must be W,H",
            "--crop-top-left|-1,0|--crop-top-left must be X,Y",
            "--original-size|0,512|original size 0x512 must be two positive numbers"})
    void badSdxlFlagsExitWithCode2(String flag, String value, String message) {
        Path out = dir.resolve("bad.png");
        GenerateCommandTest.Run r = GenerateCommandTest.run("generate", "-m", TinySdxl.dir().toString(), "-p", "x",
                flag, value, "-o", out.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains(message), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertFalse(Files.exists(out));
    }

    @Test
    void sdxlFlagsAreRefusedForSd1BeforeLoading() {
        Path out = dir.resolve("sd1.png");
        GenerateCommandTest.Run r = GenerateCommandTest.run("generate", "-m", Fixtures.tinySd1().toString(), "-p", "x",
                "--prompt-2", "y", "--crop-top-left", "0,8", "-o", out.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--prompt-2, --crop-top-left: SDXL only;")
                && r.err().contains("is Stable Diffusion 1.x"), r.err());
        assertFalse(Files.exists(out));
    }
}
