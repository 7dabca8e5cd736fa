package dev.diffusion4j.models;

/**
 * The architectures a model file or folder can hold. Folders are classified by {@code model_index.json}'s
 * {@code _class_name}, single files by their keys and shapes. Only the families marked supported run today; the others
 * are recognised so that loading can refuse them by name instead of failing on a missing key.
 */
public enum ModelFamily {
    /** Stable Diffusion 1.x: CLIP ViT-L/14 text encoder (768-d), 4-channel UNet. */
    SD1("Stable Diffusion 1.x", true),
    /** Stable Diffusion 2.x: OpenCLIP ViT-H/14 text encoder (1024-d), linear transformer projections. */
    SD2("Stable Diffusion 2.x", true),
    /** An SD 1.x/2.x inpainting model: 9 UNet input channels (latents, mask, masked-image latents). */
    INPAINTING("Stable Diffusion inpainting", true),
    /** Stable Diffusion XL base: two text encoders, added time/size conditioning. */
    SDXL("Stable Diffusion XL", false),
    /** Stable Diffusion XL refiner: one OpenCLIP bigG encoder, aesthetic-score conditioning. */
    SDXL_REFINER("Stable Diffusion XL refiner", false),
    /** Something else (a VAE alone, a LoRA, another pipeline class). */
    UNKNOWN("an unknown model type", false);

    private final String displayName;
    private final boolean supported;

    ModelFamily(String displayName, boolean supported) {
        this.displayName = displayName;
        this.supported = supported;
    }

    /** A human name, e.g. "Stable Diffusion XL". */
    public String displayName() {
        return displayName;
    }

    /** Whether this build can generate with the family. */
    public boolean supported() {
        return supported;
    }

    /**
     * The family of a diffusers folder from its {@code model_index.json} {@code _class_name}: the SD 1.x/2.x pipeline
     * classes give {@link #SD1} (refined to {@link #SD2} by the caller from the configs), the inpainting pipeline
     * {@link #INPAINTING}, the SDXL ones {@link #SDXL}; anything else {@link #UNKNOWN}.
     */
    public static ModelFamily ofPipelineClass(String className) {
        return switch (className) {
            case "StableDiffusionPipeline", "StableDiffusionImg2ImgPipeline" -> SD1;
            case "StableDiffusionInpaintPipeline" -> INPAINTING;
            case "StableDiffusionXLPipeline", "StableDiffusionXLImg2ImgPipeline", "StableDiffusionXLInpaintPipeline" ->
                    SDXL;
            default -> UNKNOWN;
        };
    }
}
