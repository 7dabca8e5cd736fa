package dev.diffusion4j.adapters;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.diffusion4j.nn.Model;
import dev.diffusion4j.tensor.Precision;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Merges LoRAs into loaded models, A1111's way: for every layer, W += weight · alpha/rank · (up @ down), the factors
 * flattened to matrices and the product reshaped to W (a LoCon convolution: up (out, r, 1, 1) @ down (r, in, k, k)
 * gives (out, in, k, k)); rank is the down factor's first dimension; without an alpha the scale is the weight alone.
 * Several LoRAs add up in order. Every file is read and every layer matched before the first weight changes, so a
 * file that does not fit the model changes nothing. {@link #restore} puts the loaded weights back bit for bit.
 */
public final class LoraMerge {

    private LoraMerge() {}

    /**
     * Applies {@code loras} to {@code parts} (by diffusers folder name: "unet", "text_encoder", "text_encoder_2").
     *
     * @return each LoRA's name with the hash A1111 shows in "Lora hashes", in order
     * @throws IOException naming the file that cannot be read or does not fit the model (keys listed)
     */
    public static Map<String, String> apply(List<Lora> loras, Map<String, Model> parts) throws IOException {
        Map<String, LoraTargets> targets = new LinkedHashMap<>();
        parts.forEach((name, model) -> targets.put(name, new LoraTargets(model, name.equals("unet"))));
        List<LoraFile> files = new ArrayList<>();
        Map<String, String> hashes = new LinkedHashMap<>();
        try {
            List<List<String>> resolved = new ArrayList<>();
            for (Lora lora : loras) {
                LoraFile f = LoraFile.open(lora.file());
                files.add(f);
                resolved.add(match(f, targets));
                hashes.put(lora.name(), f.shortHash());
            }
            try {
                for (int i = 0; i < loras.size(); i++) {
                    merge(loras.get(i), files.get(i), resolved.get(i), targets);
                }
            } catch (RuntimeException e) {
                restore(parts);
                throw e;
            }
        } finally {
            files.forEach(LoraFile::close);
        }
        return hashes;
    }

    /** Puts back the loaded weights of every part. */
    public static void restore(Map<String, Model> parts) {
        parts.values().forEach(Model::restore);
    }

    /** Each layer's dotted module name, or a failure listing the layers that name nothing in the model. */
    private static List<String> match(LoraFile f, Map<String, LoraTargets> targets) throws IOException {
        List<String> modules = new ArrayList<>();
        List<String> unmatched = new ArrayList<>();
        for (LoraLayer layer : f.layers()) {
            LoraTargets t = targets.get(layer.part());
            String module = t == null ? null : t.resolve(layer);
            if (module == null) {
                unmatched.add(layer.down() + (t == null ? " (this model has no " + layer.part() + ")" : ""));
            }
            modules.add(module);
        }
        if (!unmatched.isEmpty()) {
            throw new IOException(f.file() + ": " + unmatched.size() + " of " + f.layers().size()
                    + " LoRA layers match no weight of this model (a LoRA for another architecture?), e.g. "
                    + unmatched.subList(0, Math.min(5, unmatched.size())));
        }
        return modules;
    }

    private static void merge(Lora lora, LoraFile f, List<String> modules, Map<String, LoraTargets> targets) {
        for (int i = 0; i < modules.size(); i++) {
            LoraLayer layer = f.layers().get(i);
            Model model = targets.get(layer.part()).model();
            String param = modules.get(i) + ".weight";
            double weight = layer.part().equals("unet") ? lora.unetWeight() : lora.textEncoderWeight();
            if (weight == 0) {
                continue;
            }
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray delta = delta(f, layer, m, weight, model.namedParameters().get(param).shape());
                model.patch(param, w -> add(w, delta, f, param));
            }
        }
    }

    /** weight · alpha/rank · (up @ down), shaped like the weight. */
    private static NDArray delta(LoraFile f, LoraLayer layer, NDManager m, double weight, Shape target) {
        NDArray down = f.load(layer.down(), m);
        NDArray up = f.load(layer.up(), m);
        long rank = down.getShape().get(0);
        if (up.getShape().dimension() < 2 || up.getShape().get(1) != rank) {
            throw new IllegalArgumentException(f.file() + ": '" + layer.up() + "' has shape " + up.getShape()
                    + ", which does not fit '" + layer.down() + "' of rank " + rank);
        }
        double scale = weight;
        if (layer.alpha() != null) {
            float alpha = f.load(layer.alpha(), m).toFloatArray()[0];
            scale = weight * alpha / rank;
        }
        NDArray product = up.reshape(up.getShape().get(0), rank).matMul(down.reshape(rank, -1));
        if (product.size() != target.size()) {
            throw new IllegalArgumentException(f.file() + ": '" + layer.down() + "' and '" + layer.up()
                    + "' make an update of " + product.getShape() + ", but the weight is " + target);
        }
        return product.reshape(target).mul((float) scale);
    }

    private static NDArray add(NDArray w, NDArray delta, LoraFile f, String param) {
        DataType dtype = Precision.dtypeOf(w);
        if (dtype == DataType.FLOAT32) {
            return w.add(delta);
        }
        if (dtype == DataType.FLOAT16 || dtype == DataType.FLOAT64) {
            return w.toType(DataType.FLOAT32, false).add(delta).toType(dtype, false);
        }
        throw new IllegalArgumentException(f.file() + ": cannot merge into " + param + " held as " + dtype
                + "; load the model as float32 or float16 to use LoRAs");
    }
}
