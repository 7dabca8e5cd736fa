package dev.diffusion4j.cli;

import dev.diffusion4j.tensor.Engines;
import java.util.Arrays;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** The {@code d4j} command line: a thin shell over the Java API. */
@Command(name = "d4j", mixinStandardHelpOptions = true, scope = CommandLine.ScopeType.INHERIT,
        versionProvider = D4j.Version.class,
        description = "Stable Diffusion in Java.",
        subcommands = {GenerateCommand.class, ConvertCommand.class, TrainVaeCommand.class, TrainCommand.class, EvalCommand.class,
                BenchCommand.class, ServeCommand.class,
                InfoCommand.class})
public final class D4j implements Runnable {

    @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
            description = "Print stack traces of failures.")
    boolean verbose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        if (args.length > 0 && PRELOADING.contains(args[0])
                && Arrays.stream(args).noneMatch(HELP_OR_VERSION::contains)) {
            Engines.preload(D4j::verifyPicocli);
        }
        ProcessExit.exit(execute(args));
    }

    /**
     * picocli 4.7 ships Java 5 class files, which the JVM checks with its old type-inferring verifier, a library it
     * loads on first use: loaded while libtorch's load holds the dynamic loader's lock, that waits out the whole load
     * (~0.3 s, {@link Engines#preload}). Initialising one picocli class loads it first.
     */
    private static void verifyPicocli() {
        CommandLine.defaultFactory();
    }

    /** Commands that start libtorch within a second or two: it loads while their arguments are parsed. */
    private static final Set<String> PRELOADING = Set.of("generate", "info");

    /** Options that only print: no libtorch needed. */
    private static final Set<String> HELP_OR_VERSION = Set.of("-h", "--help", "-V", "--version");

    /** Runs the command line and returns the exit code: 0 success, 2 usage error, 1 failure. */
    public static int execute(String... args) {
        CommandLine cl = new CommandLine(new D4j());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            boolean verbose = parsed.originalArgs().contains("--verbose");
            if (ex instanceof CommandLine.ParameterException pe) {
                cmd.getErr().println("d4j: " + pe.getMessage());
                return 2;
            }
            if (verbose) {
                ex.printStackTrace(cmd.getErr());
            } else {
                cmd.getErr().println("d4j: " + message(ex));
            }
            return ex instanceof UsageException ? 2 : 1;
        });
        try {
            return cl.execute(args);
        } catch (OutOfMemoryError e) {
            // the Java heap only (weights and activations live in libtorch): one line, not the JVM's stack trace
            if (Arrays.asList(args).contains("--verbose")) {
                e.printStackTrace(cl.getErr());
            }
            cl.getErr().println("d4j: out of Java heap memory (" + message(e) + "); lower the size, batch or "
                    + "steps, or give the JVM more with D4J_JAVA_OPTS=-Xmx16g");
            return 1;
        }
    }

    static String message(Throwable ex) {
        String m = ex.getMessage();
        return m == null || m.isBlank() ? ex.getClass().getSimpleName() : m;
    }

    /** Version from the jar manifest (or "dev" when run from classes). */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = D4j.class.getPackage().getImplementationVersion();
            return new String[] {"diffusion4j " + (v == null ? "dev" : v)};
        }
    }
}
