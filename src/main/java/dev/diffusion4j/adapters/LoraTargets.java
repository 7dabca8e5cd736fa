package dev.diffusion4j.adapters;

import dev.diffusion4j.models.SingleFileLayout;
import dev.diffusion4j.nn.Model;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The weights of one model a LoRA layer can name. kohya writes a module's diffusers name with its dots as
 * underscores ({@code down_blocks_0_attentions_0_proj_in}), which is ambiguous only if two modules differ just by
 * dot versus underscore; the map is built from the model's own parameter names, so it covers any depth and any
 * architecture (SD 1.x/2.x, SDXL) without a table, and an ambiguous name is refused rather than guessed. A UNet's
 * modules are also known by their original (CompVis / SGM) names, which kohya writes for SDXL
 * ({@code input_blocks_4_1_transformer_blocks_0_attn1_to_q}, {@code middle_block_1_proj_in}): the single-file key
 * maps of {@link SingleFileLayout} translate them, so any depth works as it does for single files.
 */
final class LoraTargets {

    private final Model model;
    private final Set<String> weights = new HashSet<>();
    private final Map<String, String> byUnderscored = new HashMap<>();
    private final Set<String> ambiguous = new HashSet<>();

    /** @param unet whether the model is a UNet, whose modules also have original names */
    LoraTargets(Model model, boolean unet) {
        this.model = model;
        for (String name : model.namedParameters().keySet()) {
            if (name.endsWith(".weight")) {
                String module = module(name);
                weights.add(module);
                alias(module, module);
            }
        }
        if (unet) {
            SingleFileLayout.originalUnetNames(model.namedParameters().keySet()).forEach((original, name) -> {
                if (original.endsWith(".weight") && name.endsWith(".weight")) {
                    alias(module(original), module(name));
                }
            });
        }
    }

    private static String module(String weight) {
        return weight.substring(0, weight.length() - ".weight".length());
    }

    /** Lets kohya's underscored form of {@code name} stand for {@code module}. */
    private void alias(String name, String module) {
        String flat = name.replace('.', '_');
        String other = byUnderscored.putIfAbsent(flat, module);
        if (other != null && !other.equals(module)) {
            ambiguous.add(flat);
        }
    }

    Model model() {
        return model;
    }

    /** The module's dotted name, or null when the model has no such weight. */
    String resolve(LoraLayer layer) {
        if (!layer.underscored()) {
            return weights.contains(layer.module()) ? layer.module() : null;
        }
        if (ambiguous.contains(layer.module())) {
            throw new IllegalArgumentException("LoRA module '" + layer.module() + "' matches several modules of the "
                    + "model");
        }
        return byUnderscored.get(layer.module());
    }
}
