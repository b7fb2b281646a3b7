package dev.skiff.bench.openapi;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.api.openapi.SchemaGenerator;
import dev.skiff.api.resource.ResourceInfo;
import dev.skiff.api.resource.ResourceRegistry;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;

/**
 * How long generating the OpenAPI schemas takes and how big they are, for every built-in resource
 * of the registry (what the server will publish once all of them are served): the first run in a
 * fresh JVM (class loading and Jackson introspection included, what the first /openapi request
 * pays) and warm runs. Prints wall and CPU time; asserts nothing.
 */
public final class OpenApiBench {
    private OpenApiBench() {
    }

    public static void main(String[] args) throws Exception {
        List<ResourceInfo> resources = ResourceRegistry.builtIn().all();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        ObjectMapper mapper = new ObjectMapper();
        System.out.printf("resources=%d%n", resources.size());
        for (int run = 0; run < 21; run++) {
            long wall = System.nanoTime();
            long cpu = threads.getCurrentThreadCpuTime();
            SchemaGenerator generator = new SchemaGenerator("#/definitions/");
            for (ResourceInfo info : resources) {
                generator.addKind(info.type(), new SchemaGenerator.Gvk(info.group(), info.version(), info.kind()));
                if (info.listType() != null) {
                    generator.addKind(info.listType(), new SchemaGenerator.Gvk(info.group(), info.version(), info.kind() + "List"));
                }
            }
            ObjectNode definitions = mapper.createObjectNode();
            generator.definitions().forEach(definitions::set);
            byte[] json = mapper.writeValueAsBytes(definitions);
            double wallMs = (System.nanoTime() - wall) / 1e6;
            double cpuMs = (threads.getCurrentThreadCpuTime() - cpu) / 1e6;
            if (run == 0 || run == 20) {
                System.out.printf("run=%s definitions=%d json_bytes=%d wall_ms=%.1f cpu_ms=%.1f%n",
                        run == 0 ? "first" : "warm(21st)", generator.definitions().size(), json.length, wallMs, cpuMs);
            }
        }
    }
}
