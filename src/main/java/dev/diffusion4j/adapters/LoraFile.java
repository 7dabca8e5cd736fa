package dev.diffusion4j.adapters;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.diffusion4j.io.SafeTensors;
import dev.diffusion4j.io.TorchCheckpoint;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A LoRA file ({@code .safetensors}, or a torch pickle read by the restricted unpickler) split into its layers. The
 * layout is recognised per key:
 * <ul>
 *   <li>kohya / A1111: {@code lora_unet_<module>}, {@code lora_te_<module>} (SD 1.x/2.x text encoder),
 *       {@code lora_te1_}/{@code lora_te2_} (SDXL's two), each with {@code .lora_down.weight},
 *       {@code .lora_up.weight} and {@code .alpha}; LoCon convolutions have a (rank, in, k, k) down factor;</li>
 *   <li>diffusers PEFT: {@code unet.<module>.lora_A.weight} / {@code .lora_B.weight} (also {@code text_encoder.},
 *       {@code text_encoder_2.}), an optional {@code <module>.alpha};</li>
 *   <li>older diffusers: {@code <module>.lora.down.weight} / {@code .lora.up.weight},
 *       {@code <module>.lora_linear_layer.down.weight}, and attention processors'
 *       {@code <attn>.processor.to_q_lora.down.weight} (to_q/k/v, to_out meaning {@code to_out.0}; in a text
 *       encoder q_proj/k_proj/v_proj/out_proj).</li>
 * </ul>
 * LyCORIS's other types (LoHa, LoKr, ...) are refused by name; any other key is an error listing a few of them, so
 * a file is never applied in part.
 */
final class LoraFile implements AutoCloseable {

    private static final Pattern KOHYA = Pattern.compile(
            "(lora_unet|lora_te1|lora_te2|lora_te)_(.+)\\.(lora_down\\.weight|lora_up\\.weight|alpha)");
    private static final Pattern PEFT = Pattern.compile("(.+)\\.(lora_A\\.weight|lora_B\\.weight|alpha)");
    private static final Pattern OLD = Pattern.compile(
            "(.+?)(\\.processor)?\\.(to_q_lora|to_k_lora|to_v_lora|to_out_lora|lora|lora_linear_layer)"
                    + "\\.(down|up)\\.weight");
    /** LyCORIS key markers and the type each means. */
    private static final Map<String, String> LYCORIS = Map.of(".hada_w1_a", "LoHa", ".hada_w1_b", "LoHa",
            ".lokr_w1", "LoKr", ".lokr_w1_a", "LoKr",
            ".lora_mid.weight", "LoCon with Tucker decomposition (lora_mid)", ".oft_blocks", "OFT", ".oft_diag", "OFT", ".dora_scale", "DoRA", ".diff", "full-weight difference (LyCORIS full)",
            ".w_norm", "norm-layer difference (LyCORIS norm)");

    private final Path file;
    private final SafeTensors safetensors;
    private final TorchCheckpoint checkpoint;
    private final List<LoraLayer> layers;

    private LoraFile(Path file, SafeTensors safetensors, TorchCheckpoint checkpoint, Set<String> names)
            throws IOException {
        this.file = file;
        this.safetensors = safetensors;
        this.checkpoint = checkpoint;
        this.layers = layers(file, names);
    }

    static LoraFile open(Path file) throws IOException {
        if (file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".safetensors")) {
            SafeTensors st = SafeTensors.open(file);
            try {
                return new LoraFile(file, st, null, st.names());
            } catch (IOException | RuntimeException e) {
                st.close();
                throw e;
            }
        }
        TorchCheckpoint c = TorchCheckpoint.open(file);
        try {
            return new LoraFile(file, null, c, c.names());
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    Path file() {
        return file;
    }

    List<LoraLayer> layers() {
        return layers;
    }

    NDArray load(String key, NDManager m) {
        return safetensors != null ? safetensors.load(key, m, DataType.FLOAT32)
                : checkpoint.load(key, m, DataType.FLOAT32);
    }

    /** Groups the keys into layers, or fails naming what it cannot use. */
    private static List<LoraLayer> layers(Path file, Set<String> names) throws IOException {
        for (String key : names) {
            for (Map.Entry<String, String> e : LYCORIS.entrySet()) {
                if (key.endsWith(e.getKey()) || key.contains(e.getKey() + ".")) {
                    throw new IOException(file + ": a LyCORIS " + e.getValue() + " network (key '" + key
                            + "'): not supported yet; only LoRA and LoCon (lora_down/lora_up) are");
                }
            }
        }
        Map<String, String[]> byModule = new LinkedHashMap<>();
        Set<String> unknown = new TreeSet<>();
        for (String key : names) {
            Matcher k = KOHYA.matcher(key);
            Matcher o = OLD.matcher(key);
            Matcher p = PEFT.matcher(key);
            String id;
            int slot;
            if (k.matches()) {
                id = k.group(1) + "\u0000" + k.group(2);
                slot = k.group(3).startsWith("lora_down") ? 0 : k.group(3).startsWith("lora_up") ? 1 : 2;
            } else if (o.matches()) {
                id = "\u0001" + oldModule(o.group(1), o.group(3));
                slot = o.group(4).equals("down") ? 0 : 1;
            } else if (p.matches()) {
                id = "\u0001" + p.group(1);
                slot = p.group(2).startsWith("lora_A") ? 0 : p.group(2).startsWith("lora_B") ? 1 : 2;
            } else {
                unknown.add(key);
                continue;
            }
            String[] slots = byModule.computeIfAbsent(id, x -> new String[3]);
            if (slots[slot] != null) {
                throw new IOException(file + ": keys '" + slots[slot] + "' and '" + key + "' are the same factor");
            }
            slots[slot] = key;
        }
        if (!unknown.isEmpty()) {
            throw new IOException(file + ": " + unknown.size() + " keys of no known LoRA layout, e.g. "
                    + List.copyOf(unknown).subList(0, Math.min(5, unknown.size())));
        }
        List<LoraLayer> out = new ArrayList<>();
        for (Map.Entry<String, String[]> e : byModule.entrySet()) {
            String[] s = e.getValue();
            if (s[0] == null || s[1] == null) {
                throw new IOException(file + ": '" + (s[0] != null ? s[0] : s[1] != null ? s[1] : s[2])
                        + "' has no matching " + (s[0] == null ? "down (lora_down / lora_A)" : "up (lora_up / lora_B)")
                        + " factor");
            }
            out.add(layer(file, e.getKey(), s));
        }
        if (out.isEmpty()) {
            throw new IOException(file + ": no LoRA layers in it");
        }
        return out;
    }

    private static LoraLayer layer(Path file, String id, String[] s) throws IOException {
        if (id.charAt(0) != '\u0001') {
            String prefix = id.substring(0, id.indexOf('\u0000'));
            String part = switch (prefix) {
                case "lora_unet" -> "unet";
                case "lora_te2" -> "text_encoder_2";
                default -> "text_encoder";
            };
            return new LoraLayer(part, id.substring(prefix.length() + 1), true, s[0], s[1], s[2]);
        }
        String module = id.substring(1);
        for (String part : List.of("unet", "text_encoder_2", "text_encoder")) {
            if (module.startsWith(part + ".")) {
                return new LoraLayer(part, module.substring(part.length() + 1), false, s[0], s[1], s[2]);
            }
        }
        // attention-processor files of older diffusers hold UNet layers without a prefix
        if (module.startsWith("down_blocks.") || module.startsWith("mid_block.") || module.startsWith("up_blocks.")) {
            return new LoraLayer("unet", module, false, s[0], s[1], s[2]);
        }
        throw new IOException(file + ": '" + s[0] + "' names no known part (expected unet., text_encoder. or "
                + "text_encoder_2.)");
    }

    /** The module an older diffusers key patches. */
    private static String oldModule(String owner, String kind) {
        boolean text = owner.contains("text_model.");
        return switch (kind) {
            case "to_q_lora" -> owner + (text ? ".q_proj" : ".to_q");
            case "to_k_lora" -> owner + (text ? ".k_proj" : ".to_k");
            case "to_v_lora" -> owner + (text ? ".v_proj" : ".to_v");
            case "to_out_lora" -> owner + (text ? ".out_proj" : ".to_out.0");
            default -> owner;
        };
    }

    /**
     * The hash A1111 shows in "Lora hashes": the file's {@code sshs_model_hash} metadata if it has one, else the first
     * 12 hex digits of the SHA-256 of a safetensors file's tensor data (after its header: the "AutoV3" / addnet hash
     * that sites index LoRAs by) or of a whole pickle.
     */
    String shortHash() throws IOException {
        if (safetensors != null) {
            String meta = safetensors.metadata().get("sshs_model_hash");
            if (meta != null && meta.length() >= 12) {
                return meta.substring(0, 12);
            }
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long skip = 0;
            if (safetensors != null) {
                ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
                ch.read(len, 0);
                skip = 8 + len.getLong(0);
            }
            ch.position(skip);
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            try (InputStream in = new DigestInputStream(Channels.newInputStream(ch), sha)) {
                in.transferTo(OutputStream.nullOutputStream());
            }
            return HexFormat.of().formatHex(sha.digest()).substring(0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        if (safetensors != null) safetensors.close();
        if (checkpoint != null) checkpoint.close();
    }
}
