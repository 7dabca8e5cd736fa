package dev.diffusion4j.schedulers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Sampler-name parsing and the registry's scheduler defaults, as a specification. */
class SamplersTest {

    @ParameterizedTest(name = "\"{0}\" -> {1}, karras={2}, \"{3}\"")
    @CsvSource(delimiter = '|', value = {
        "ddim             | DDIMScheduler                   | false | DDIM",
        "PLMS             | PNDMScheduler                   | false | PLMS",
        "pndm             | PNDMScheduler                   | false | PLMS",
        "Euler a          | EulerAncestralDiscreteScheduler | false | Euler a",
        "k_euler_ancestral| EulerAncestralDiscreteScheduler | false | Euler a",
        "euler_a          | EulerAncestralDiscreteScheduler | false | Euler a",
        "k_lms            | LMSDiscreteScheduler            | false | LMS",
        "LMS Karras       | LMSDiscreteScheduler            | true  | LMS Karras",
        "DPM++ 2M         | DPMSolverMultistepScheduler     | false | DPM++ 2M",
        "dpmpp_2m_karras  | DPMSolverMultistepScheduler     | true  | DPM++ 2M Karras",
        "k_dpmpp_2m       | DPMSolverMultistepScheduler     | false | DPM++ 2M",
        "DPM++ 2M SDE     | DPMSolverMultistepScheduler     | false | DPM++ 2M SDE",
        "dpm++2m_sde      | DPMSolverMultistepScheduler     | false | DPM++ 2M SDE",
        "DPM++ 2M SDE Karras | DPMSolverMultistepScheduler  | true  | DPM++ 2M SDE Karras",
        "HEUN             | HeunDiscreteScheduler           | false | Heun",
        "ddpm             | DDPMScheduler                   | false | DDPM",
        "DPM2             | KDPM2DiscreteScheduler          | false | DPM2",
        "DPM2 Karras      | KDPM2DiscreteScheduler          | true  | DPM2 Karras",
        "DPM2 a           | KDPM2AncestralDiscreteScheduler | false | DPM2 a",
        "dpm2_a           | KDPM2AncestralDiscreteScheduler | false | DPM2 a",
        "DPM2 a Karras    | KDPM2AncestralDiscreteScheduler | true  | DPM2 a Karras",
        "LCM              | LCMScheduler                    | false | LCM",
        "lcm              | LCMScheduler                    | false | LCM",
        "DPM++ 2S         | DPMSolverSinglestepScheduler    | false | DPM++ 2S",
        "dpm++2s          | DPMSolverSinglestepScheduler    | false | DPM++ 2S",
        "k_dpmpp_2s_karras| DPMSolverSinglestepScheduler    | true  | DPM++ 2S Karras",
        "dpmsolver_singlestep | DPMSolverSinglestepScheduler | false | DPM++ 2S",
        "UniPC            | UniPCMultistepScheduler         | false | UniPC",
        "unipc            | UniPCMultistepScheduler         | false | UniPC",
        "UniPC Karras     | UniPCMultistepScheduler         | true  | UniPC Karras",
        "DEIS             | DEISMultistepScheduler          | false | DEIS",
        "deis             | DEISMultistepScheduler          | false | DEIS",
        "DEIS Karras      | DEISMultistepScheduler          | true  | DEIS Karras",
    })
    void parsesNamesUsersType(String name, String className, boolean karras, String display) {
        Sampler s = Samplers.parse(name);
        assertEquals(className, s.className());
        assertEquals(karras, s.karras());
        assertEquals(display, s.displayName());
    }

    @Test
    void sigmaScheduleArgumentSelectsKarrasOnlyWhereTheClassHasIt() {
        assertTrue(Samplers.parse("euler", "karras", null).karras());
        assertFalse(Samplers.parse("euler", "discrete", null).karras());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Samplers.parse("ddim", "karras", null));
        assertTrue(e.getMessage().contains("no Karras sigma schedule"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Samplers.parse("euler", "exponential", null));
        assertTrue(e.getMessage().contains("unknown sigma schedule 'exponential'"), e.getMessage());
    }

    @Test
    void unknownNamesListTheValidOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Samplers.parse("bogus"));
        assertTrue(e.getMessage().startsWith("unknown sampler 'bogus'; valid names: ddim, pndm"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Samplers.parse(" "));
    }

    @Test
    void timestepSpacingIsCheckedAgainstTheClass() {
        Sampler s = Samplers.parse("euler", null, "trailing");
        assertEquals("trailing", s.overrides().get("timestep_spacing"));
        assertNull(Samplers.parse("euler").overrides().get("timestep_spacing"));
        assertThrows(IllegalArgumentException.class, () -> Samplers.parse("euler", null, "uniform"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Samplers.parse("lcm", null, "trailing"));
        assertTrue(e.getMessage().contains("ignores the timestep spacing"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Samplers.parse("dpm++2s", null, "trailing"));
    }

    @Test
    void overridesForceTheAlgorithmOfEachDpmSolverVariant() {
        assertEquals(Map.of("algorithm_type", "dpmsolver++", "solver_order", 2), Samplers.parse("dpm++2m").overrides());
        assertEquals("sde-dpmsolver++", Samplers.parse("dpm++2m_sde").overrides().get("algorithm_type"));
        assertEquals(true, Samplers.parse("dpm++2m karras").overrides().get("use_karras_sigmas"));
    }

    @Test
    void everyNameAndAliasResolvesToItsOwnSampler() {
        Set<String> seen = new HashSet<>();
        for (SamplerSpec spec : Samplers.samplers()) {
            assertTrue(seen.add(spec.name()), "duplicate name " + spec.name());
            assertEquals(spec, Samplers.parse(spec.name()).spec());
            assertEquals(spec, Samplers.parse(spec.displayName()).spec());
            for (String alias : spec.aliases()) {
                assertEquals(spec, Samplers.parse(alias).spec(), alias);
            }
        }
    }

    @Test
    void schedulerConfigFillsTheTargetClassDefaults() {
        // SD 1.5's PNDM config has no timestep_spacing: DDIM built from it gets "leading", Euler "linspace"
        SchedulerConfig sd15 = SchedulerConfig.of("PNDMScheduler", Map.of("beta_start", 0.00085, "beta_end", 0.012,
                "beta_schedule", "scaled_linear", "skip_prk_steps", true, "steps_offset", 1));
        assertEquals("leading", sd15.fromConfig("DDIMScheduler", Map.of()).timestepSpacing());
        assertEquals("linspace", sd15.fromConfig("EulerDiscreteScheduler", Map.of()).timestepSpacing());
        assertEquals(1, sd15.fromConfig("EulerDiscreteScheduler", Map.of()).stepsOffset());
        assertEquals(0.00085, sd15.fromConfig("DDIMScheduler", Map.of()).betaStart());
        // class defaults differ: DDIM sets alpha to one, PNDM does not; Heun's betas are SD's
        assertTrue(SchedulerConfig.of("DDIMScheduler", Map.of()).setAlphaToOne());
        assertFalse(SchedulerConfig.of("PNDMScheduler", Map.of()).setAlphaToOne());
        assertEquals(0.012, SchedulerConfig.of("HeunDiscreteScheduler", Map.of()).betaEnd());
        assertEquals(1000, SchedulerConfig.of("DDPMScheduler", Map.of()).numTrainTimesteps());
    }

    @Test
    void everyRegisteredClassBuildsFromItsDefaults() {
        for (SchedulerSpec spec : Samplers.schedulers()) {
            try (Scheduler s = Samplers.fromConfig(SchedulerConfig.of(spec.className(), Map.of()))) {
                s.setTimesteps(10);
                assertTrue(s.timesteps().length >= 10, spec.className());
            }
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SchedulerConfig.of("FlowMatchEulerDiscreteScheduler", Map.of()));
        assertTrue(e.getMessage().contains("unsupported scheduler class 'FlowMatchEulerDiscreteScheduler'"));
    }

    @Test
    void displayNameOfAModelsOwnConfig() {
        assertEquals("PLMS", Samplers.displayName(SchedulerConfig.of("PNDMScheduler", Map.of())));
        assertEquals("DPM++ 2M SDE Karras", Samplers.displayName(SchedulerConfig.of("DPMSolverMultistepScheduler",
                Map.of("algorithm_type", "sde-dpmsolver++", "use_karras_sigmas", true))));
        assertEquals("DPM++ 2M", Samplers.displayName(SchedulerConfig.of("DPMSolverMultistepScheduler", Map.of())));
        assertEquals(List.of("lms", "euler", "heun", "dpm2", "dpm2_a", "dpm++2m", "dpm++2m_sde", "dpm++2s", "unipc",
                "deis"),
                Samplers.karrasCapable());
    }
}
