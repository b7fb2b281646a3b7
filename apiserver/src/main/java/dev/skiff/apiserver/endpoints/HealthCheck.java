package dev.skiff.apiserver.endpoints;

/**
 * One named check behind /healthz, /livez and /readyz (upstream's healthz.HealthChecker). May
 * block; it is given a deadline.
 */
public interface HealthCheck {
    String name();

    /** Returns when healthy; throws with the reason (logged, not shown to clients) when not. */
    void check() throws Exception;

    static HealthCheck of(String name, CheckBody body) {
        return new HealthCheck() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public void check() throws Exception {
                body.check();
            }
        };
    }

    @FunctionalInterface
    interface CheckBody {
        void check() throws Exception;
    }
}
