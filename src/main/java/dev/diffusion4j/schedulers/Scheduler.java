package dev.diffusion4j.schedulers;

import ai.djl.ndarray.NDArray;
import dev.diffusion4j.random.TorchGenerator;

/**
 * A diffusion sampler with diffusers 0.25 semantics, so that a pipeline written like diffusers' gives diffusers'
 * numbers.
 *
 * <p>Denoising loop (txt2img):
 * <pre>{@code
 * scheduler.setTimesteps(steps);
 * latents = noise * scheduler.initNoiseSigma();
 * for (float t : scheduler.timesteps()) {
 *     NDArray in = scheduler.scaleModelInput(latents, t);   // duplicate for CFG after this
 *     NDArray eps = unet(in, t, ...);
 *     StepOutput out = scheduler.step(eps, t, latents, generator);
 *     close in, eps, latents, out.predOriginalSample(); latents = out.prevSample();
 * }
 * }</pre>
 * img2img: {@code initTimestep = min((int) (steps * strength), steps)}, {@code tStart = steps - initTimestep},
 * run the loop over {@code timesteps()[tStart * order() ..]} and noise the start latents with
 * {@code addNoise(latents, noise, that first timestep)} (no {@code initNoiseSigma} scaling). No begin index is
 * needed: as in diffusers 0.25, the sigma schedulers and DPM-Solver find their position from the first timestep
 * they are given (the second occurrence where Heun lists a timestep twice), DDIM/DDPM work from the timestep value,
 * and PNDM starts its multistep history afresh.
 *
 * <p>Ownership: every array a method returns is new and belongs to the caller (even where diffusers returns its
 * input unchanged, as {@code scaleModelInput} of DDIM does), in the manager of the {@code sample}/{@code original}
 * argument. Inputs are never closed or modified. History that multistep schedulers keep (PNDM's ets, LMS's
 * derivatives, DPM-Solver's model outputs, Heun's first-order state) is the scheduler's own copy: released when
 * replaced, after the final step, by {@link #setTimesteps} and by {@link #close}. Temporaries are freed inside each
 * call, so a loop of any length does not grow memory.
 *
 * <p>Not thread-safe: one scheduler per generation.
 */
public interface Scheduler extends AutoCloseable {

    /** The configuration this scheduler was built from (diffusers' {@code scheduler.config}). */
    SchedulerConfig config();

    /** diffusers' {@code set_timesteps(n)}: computes the schedule and resets all step state. */
    void setTimesteps(int numInferenceSteps);

    /**
     * The schedule, in calling order: integers for DDIM/PNDM/DDPM/DPM-Solver, fractional float32 values for
     * Euler/Euler ancestral/LMS/Heun. Each is passed to the UNet and to {@link #step} as is. PNDM lists N+1 entries
     * (skip_prk_steps: the second timestep twice), Heun 2N−1 (each timestep after the first twice).
     */
    float[] timesteps();

    /** Standard deviation of the initial noise: 1 or σmax (sqrt(σmax²+1) with "leading" spacing), float32. */
    float initNoiseSigma();

    /** Model calls per denoising step: 1, or 2 for Heun; img2img slices {@code timesteps()[tStart * order()..]}. */
    int order();

    /** The UNet input for {@code sample} at timestep {@code t}: sample/sqrt(σ²+1) for sigma schedulers, else a copy. */
    NDArray scaleModelInput(NDArray sample, float t);

    /**
     * One reverse-diffusion step from {@code sample} at {@code t} given the model output at {@code t}.
     *
     * @param generator the generation's generator: required by Euler ancestral, DDPM and DDIM with eta &gt; 0, and
     *     drawn from by Euler (unused noise, as diffusers draws it) to keep the stream aligned with diffusers; may be
     *     null for the others (and for Euler, which then draws nothing)
     */
    StepOutput step(NDArray modelOutput, float t, NDArray sample, TorchGenerator generator);

    /** diffusers' {@code add_noise}: {@code original} noised to timestep {@code t} (one timestep for the batch). */
    NDArray addNoise(NDArray original, NDArray noise, float t);

    /** Releases the step history the scheduler keeps; the schedule stays usable after {@link #setTimesteps}. */
    @Override
    void close();
}
