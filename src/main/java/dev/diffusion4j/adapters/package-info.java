/**
 * Adapters merged into a loaded model's weights: LoRA in kohya's layout (LoCon convolutions included), diffusers'
 * PEFT layout and older diffusers' attention-processor layout, read from a file ({@link
 * dev.diffusion4j.adapters.LoraFile}), matched to the model's modules by name ({@link
 * dev.diffusion4j.adapters.LoraTargets}) and merged as W += weight · alpha/rank · up·down with {@link
 * dev.diffusion4j.nn.Model#patch}, so that {@link dev.diffusion4j.adapters.LoraMerge#restore} puts the loaded
 * weights back exactly and a long-lived process can switch LoRAs. It may import {@code models} (the single-file
 * key maps, which also name the UNet modules of kohya's SDXL files), {@code nn}, {@code io} and {@code tensor};
 * {@code models} never imports it, and {@code pipelines} builds on it.
 */
package dev.diffusion4j.adapters;
