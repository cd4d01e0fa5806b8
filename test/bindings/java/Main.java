// The default stack of main.ts, from Java: scripts/bindings.sh compares its output with dist/ byte for byte.
import io.github.cdk8s_thanos.Synth;
import io.github.cdk8s_thanos.ThanosStack;
import org.cdk8s.App;
import org.cdk8s.AppProps;
import org.cdk8s.Chart;
import org.cdk8s.ChartProps;

public final class Main {
    public static void main(final String[] args) {
        final App app = new App(AppProps.builder().outdir(args.length > 0 ? args[0] : "dist").build());
        final Chart chart = new Chart(app, "monitoring", ChartProps.builder().namespace("monitoring").build());
        new ThanosStack(chart, "Thanos");

        final String problems = Synth.trySynthesize(app);
        if (problems != null) {
            System.err.print(problems);
            System.exit(1);
        }
    }
}
