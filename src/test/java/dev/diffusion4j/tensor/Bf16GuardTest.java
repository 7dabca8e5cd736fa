package dev.diffusion4j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * No bf16 array can reach a DJL call that aborts the process on it ({@link Bf16}): the inference code never hands a
 * dtype that may be bf16 to DJL itself. Every dtype-taking creation or conversion call in the packages a bf16 model
 * runs through either names a fixed non-bf16 {@code DataType} or goes through {@link Precision} (tested in
 * {@link PrecisionTest}); arrays' dtypes are read through {@link Precision#dtypeOf}; DJL's own softmax is not
 * called. Training ({@code train/}) computes in float32 only, and {@code io/} never makes bf16 arrays (SafeTensors
 * widens BF16 files in Java).
 */
class Bf16GuardTest {

    private static final Path MAIN = Path.of("src/main/java/dev/diffusion4j");
    private static final Set<String> INFERENCE = Set.of("tensor", "nn", "text", "unet", "vae", "pipelines", "models",
            "cli", "schedulers", "adapters");
    /** Where DJL is called with a dtype chosen at run time, by design. */
    private static final Set<String> HELPERS = Set.of("tensor/Precision.java", "tensor/Bf16.java");

    /** DJL calls that take a dtype or make an array in one. */
    private static final Pattern CREATION = Pattern.compile(
            "\\.(toType|zeros|ones|full|create|randomNormal|randomUniform|randomInteger|arange|linspace|eye"
                    + "|zerosLike|onesLike|softmax|logSoftmax)\\((.*)");
    private static final Pattern FIXED = Pattern.compile(
            "DataType\\.(FLOAT32|FLOAT64|FLOAT16|INT64|INT32|INT8|UINT8|BOOLEAN)\\b");

    @Test
    void inferenceCodeCreatesNoArrayInADtypeItDidNotFix() throws IOException {
        List<String> problems = new ArrayList<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String rel = MAIN.relativize(f).toString().replace('\\', '/');
                if (!INFERENCE.contains(rel.substring(0, Math.max(0, rel.indexOf('/')))) || HELPERS.contains(rel)) {
                    continue;
                }
                List<String> lines = Files.readAllLines(f);
                for (int i = 0; i < lines.size(); i++) {
                    String line = lines.get(i).strip();
                    if (line.startsWith("*") || line.startsWith("/") || line.startsWith("//")) {
                        continue;
                    }
                    String where = rel + ":" + (i + 1) + ": " + line;
                    if (line.contains("getDataType()")) {
                        problems.add(where + "  (read dtypes with Precision.dtypeOf)");
                    }
                    if (line.contains("BFLOAT16") && CREATION.matcher(line).find()) {
                        problems.add(where + "  (bf16 arrays come from Precision)");
                    }
                    Matcher m = CREATION.matcher(line);
                    while (m.find()) {
                        String call = m.group(1);
                        String args = m.group(2);
                        boolean softmax = call.endsWith("oftmax");
                        boolean dtypeArg = args.matches("(?s).*\\b(dtype|dt|type|target|computeType)\\b.*")
                                || call.equals("toType");
                        if (softmax || (dtypeArg && !FIXED.matcher(args).find())) {
                            problems.add(where + "  (use Precision.cast/zeros/ones/softmaxLast)");
                        }
                    }
                }
            }
        }
        assertEquals(List.of(), problems, "calls that could hand DJL a bf16 dtype");
    }

    /** The scan sees the calls it is meant to catch (a guard that matched nothing would pass vacuously). */
    @Test
    void theScanCatchesTheAbortingForms() {
        for (String bad : List.of("x.toType(dtype, false)", "m.zeros(shape, x.getDataType())",
                "m.ones(shape, DataType.BFLOAT16)", "x.softmax(-1)", "m.create(data, shape, dt)")) {
            Matcher m = CREATION.matcher(bad);
            boolean found = m.find();
            boolean flagged = found && (m.group(1).endsWith("oftmax") || bad.contains("BFLOAT16")
                    || bad.contains("getDataType()") || !FIXED.matcher(m.group(2)).find());
            assertEquals(true, flagged, bad);
        }
        Matcher ok = CREATION.matcher("x.toType(DataType.FLOAT32, false)");
        assertEquals(true, ok.find() && FIXED.matcher(ok.group(2)).find());
    }
}
