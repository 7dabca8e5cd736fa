package dev.diffusion4j.schedulers;

import ai.djl.ndarray.NDArray;
import dev.diffusion4j.random.TorchGenerator;

/**
 * DDIM (Song et al. 2021, "Denoising Diffusion Implicit Models"), diffusers' {@code DDIMScheduler}: eta = 0 is the
 * deterministic sampler, eta &gt; 0 adds noise from the generator (eta = 1 is DDPM-like). Timestep spacing
 * "leading" (default), "trailing" or "linspace"; prediction types epsilon, sample, v_prediction; clip_sample.
 */
public final class DDIMScheduler implements Scheduler {

    private final SchedulerConfig config;
    private final float eta;
    private final float[] alphasCumprod;
    private final float finalAlphaCumprod;
    private float[] timesteps = new float[0];
    private int numInferenceSteps;

    /** Deterministic DDIM (eta = 0). */
    public DDIMScheduler(SchedulerConfig config) {
        this(config, 0.0);
    }

    /** DDIM with the given eta (diffusers passes it to every {@code step}; the pipelines' {@code eta}). */
    public DDIMScheduler(SchedulerConfig config, double eta) {
        if (!config.className().equals("DDIMScheduler")) {
            throw new IllegalArgumentException("DDIMScheduler needs a DDIMScheduler config, got " + config.className()
                    + " (use config.fromConfig(\"DDIMScheduler\", overrides))");
        }
        if (config.thresholding()) {
            throw new UnsupportedOperationException("DDIMScheduler: thresholding=true is not supported");
        }
        if (eta < 0) {
            throw new IllegalArgumentException("DDIMScheduler: eta must be >= 0, got " + eta);
        }
        this.config = config;
        this.eta = (float) eta;
        this.alphasCumprod = NoiseSchedule.alphasCumprod(NoiseSchedule.betas(config));
        this.finalAlphaCumprod = config.setAlphaToOne() ? 1f : alphasCumprod[0];
        Tensors.requirePrediction(config, "epsilon", "sample", "v_prediction");
    }

    @Override
    public SchedulerConfig config() {
        return config;
    }

    @Override
    public void setTimesteps(int numInferenceSteps) {
        double[] grid = NoiseSchedule.spacing(config, numInferenceSteps);
        timesteps = new float[grid.length];
        for (int i = 0; i < grid.length; i++) {
            timesteps[i] = (float) Math.rint(grid[i]);
        }
        this.numInferenceSteps = numInferenceSteps;
    }

    @Override
    public float[] timesteps() {
        return timesteps.clone();
    }

    @Override
    public float initNoiseSigma() {
        return 1f;
    }

    @Override
    public int order() {
        return 1;
    }

    @Override
    public NDArray scaleModelInput(NDArray sample, float t) {
        return sample.duplicate();
    }

    @Override
    public StepOutput step(NDArray modelOutput, float t, NDArray sample, TorchGenerator generator) {
        if (numInferenceSteps == 0) {
            throw new IllegalStateException("DDIMScheduler: call setTimesteps before step");
        }
        int timestep = Tensors.discrete(t, config);
        // DDIM eq. 12 steps from t to t - T/N whatever the spacing, as diffusers does
        int prevTimestep = timestep - config.numTrainTimesteps() / numInferenceSteps;
        float alphaProdT = alphasCumprod[timestep];
        float alphaProdTPrev = prevTimestep >= 0 ? alphasCumprod[prevTimestep] : finalAlphaCumprod;
        float betaProdT = 1f - alphaProdT;
        return Tensors.scoped(sample, () -> {
            NDArray predOriginal;
            NDArray predEpsilon;
            switch (config.predictionType()) {
                case "epsilon" -> {
                    predOriginal = sample.sub(modelOutput.mul(NoiseSchedule.sqrt(betaProdT)))
                            .div(NoiseSchedule.sqrt(alphaProdT));
                    predEpsilon = modelOutput;
                }
                case "sample" -> {
                    predOriginal = modelOutput.duplicate();
                    predEpsilon = sample.sub(predOriginal.mul(NoiseSchedule.sqrt(alphaProdT)))
                            .div(NoiseSchedule.sqrt(betaProdT));
                }
                default -> {
                    predOriginal = sample.mul(NoiseSchedule.sqrt(alphaProdT))
                            .sub(modelOutput.mul(NoiseSchedule.sqrt(betaProdT)));
                    predEpsilon = modelOutput.mul(NoiseSchedule.sqrt(alphaProdT))
                            .add(sample.mul(NoiseSchedule.sqrt(betaProdT)));
                }
            }
            if (config.clipSample()) {
                float r = (float) config.clipSampleRange();
                predOriginal = predOriginal.clip(-r, r);
            }
            // DDIM eq. 16: σ_t(η) = η·sqrt((1 − ᾱ_{t−1})/(1 − ᾱ_t))·sqrt(1 − ᾱ_t/ᾱ_{t−1})
            float variance = (1f - alphaProdTPrev) / betaProdT * (1f - alphaProdT / alphaProdTPrev);
            float stdDevT = eta * NoiseSchedule.sqrt(variance);
            // DDIM eq. 12: x_{t−1} = sqrt(ᾱ_{t−1})·x̂₀ + sqrt(1 − ᾱ_{t−1} − σ_t²)·ε̂ + σ_t·z
            NDArray direction = predEpsilon.mul(NoiseSchedule.sqrt(1f - alphaProdTPrev - stdDevT * stdDevT));
            NDArray prev = predOriginal.mul(NoiseSchedule.sqrt(alphaProdTPrev)).add(direction);
            if (eta > 0) {
                NDArray noise = Tensors.randnLike(generator, modelOutput, "DDIMScheduler(eta > 0)");
                prev = prev.add(noise.mul(stdDevT));
            }
            return new StepOutput(prev, predOriginal);
        });
    }

    @Override
    public NDArray addNoise(NDArray original, NDArray noise, float t) {
        return Tensors.addNoiseAlphas(original, noise, alphasCumprod[Tensors.discrete(t, config)]);
    }

    @Override
    public void close() {
        // stateless between steps
    }
}
