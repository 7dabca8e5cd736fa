/**
 * What a model file or folder is and how its weights reach the project's modules: the {@link
 * dev.diffusion4j.models.ModelFamily families} and their detection from an original single file's keys and shapes
 * ({@link dev.diffusion4j.models.FamilyDetection}), the original CompVis / A1111 / SGM single-file layouts and their
 * key maps to diffusers names, generic in depth and layers per block ({@link
 * dev.diffusion4j.models.SingleFileLayout}, {@link dev.diffusion4j.models.MappedWeightSource}), the published
 * diffusers configs of the real architectures for files that carry none ({@link
 * dev.diffusion4j.models.BuiltInConfigs}), and loading options. It may use {@code io}, {@code nn}, {@code text},
 * {@code unet}, {@code vae}, {@code schedulers} (the scheduler config) and {@code tensor}; it never imports
 * {@code pipelines} or {@code cli}, which build on it.
 */
package dev.diffusion4j.models;
