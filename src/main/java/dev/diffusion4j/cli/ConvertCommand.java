package dev.diffusion4j.cli;

import dev.diffusion4j.io.ModelDirectory;
import dev.diffusion4j.models.Conversion;
import dev.diffusion4j.models.ModelSpec;
import dev.diffusion4j.models.SingleFile;
import dev.diffusion4j.tensor.Engines;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code d4j convert SRC DST}: a single file to a diffusers folder, or a folder to a single file. */
@Command(name = "convert", description = "Convert a single-file model (.safetensors, .ckpt, .pt, .pth) to a diffusers "
        + "folder, or a diffusers SD 1.x folder to an original-layout .safetensors file.")
final class ConvertCommand implements Callable<Integer> {

    @Parameters(index = "0", description = "A single file or a diffusers folder.")
    Path source;

    @Parameters(index = "1", description = "The folder or .safetensors file to write (must not exist).")
    Path target;

    @Option(names = "--half", description = "Write float16 weights (default: float32).")
    boolean half;

    @Mixin
    SingleFileOptions singleFile;

    @Override
    public Integer call() throws IOException {
        if (Files.exists(target)) {
            throw new UsageException(target + " already exists");
        }
        Engines.start(0);
        if (Files.isRegularFile(source)) {
            ModelSpec spec = singleFile.open(source.toString(), null);
            Conversion.toFolder(spec, singleFile.config, target, half);
        } else if (Files.isDirectory(source)) {
            if (singleFile.given()) {
                throw new UsageException("--config and --prediction-type describe a single-file source");
            }
            if (!target.getFileName().toString().endsWith(".safetensors")) {
                throw new UsageException(target + ": a folder converts to a .safetensors file");
            }
            Conversion.toSingleFile(ModelDirectory.open(source, source.toString()), target, half);
        } else {
            throw new UsageException(source + ": no such file or folder (expected a diffusers folder or "
                    + SingleFile.EXTENSIONS + ")");
        }
        System.out.println(target.toAbsolutePath());
        return 0;
    }
}
