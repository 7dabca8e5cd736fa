package dev.diffusion4j.adapters;

import dev.diffusion4j.nn.Model;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The weights of one model a LoRA layer can name. kohya writes a module's diffusers name with its dots as
 * underscores ({@code down_blocks_0_attentions_0_proj_in}), which is ambiguous only if two modules differ just by
 * dot versus underscore; the map is built from the model's own parameter names, so it covers any depth and any
 * architecture (SD 1.x/2.x, SDXL) without a table, and an ambiguous name is refused rather than guessed.
 */
final class LoraTargets {

    private final Model model;
    private final Set<String> weights = new HashSet<>();
    private final Map<String, String> byUnderscored = new HashMap<>();
    private final Set<String> ambiguous = new HashSet<>();

    LoraTargets(Model model) {
        this.model = model;
        for (String name : model.namedParameters().keySet()) {
            if (name.endsWith(".weight")) {
                String module = name.substring(0, name.length() - ".weight".length());
                weights.add(module);
                String flat = module.replace('.', '_');
                if (byUnderscored.putIfAbsent(flat, module) != null) {
                    ambiguous.add(flat);
                }
            }
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
