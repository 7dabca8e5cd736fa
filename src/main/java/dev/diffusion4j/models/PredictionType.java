package dev.diffusion4j.models;

/** What a UNet predicts; diffusers' scheduler {@code prediction_type}. */
public enum PredictionType {
    /** The added noise ε (SD 1.x, SD 2.x 512-base, SDXL). */
    EPSILON("epsilon"),
    /** The velocity v = α·ε − σ·x₀ (SD 2.x 768-v). */
    V_PREDICTION("v_prediction");

    private final String configValue;

    PredictionType(String configValue) {
        this.configValue = configValue;
    }

    /** The value of {@code prediction_type} in a scheduler config. */
    public String configValue() {
        return configValue;
    }
}
