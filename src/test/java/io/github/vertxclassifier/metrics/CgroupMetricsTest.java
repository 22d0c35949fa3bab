package io.github.vertxclassifier.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Meter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link CgroupMetrics} and {@link CgroupDirectories} on cgroup v1 and v2 file trees written here as the kernel
 * lays them out (in a container and on a host), and on whatever this machine has.
 */
class CgroupMetricsTest {

    @TempDir
    Path temp;

    /** The meters hold their binder weakly, as in the service, which keeps it in a field. */
    private CgroupMetrics kept;

    @Test
    void v1InAContainerWhoseMountsShowItsOwnCgroupAsTheRoot() throws IOException {
        // podman on cgroup v1 without a cgroup namespace: /proc/self/cgroup and the mounts' root name the same path.
        String scope = "/machine.slice/libpod-0123.scope";
        Path cpu = dir("sys/fs/cgroup/cpu,cpuacct");
        Path memory = dir("sys/fs/cgroup/memory");
        write(
                cpu.resolve("cpu.stat"),
                "nr_periods 1200\nnr_throttled 300\nthrottled_time 45500000000\n" + "nr_bursts 0\nburst_time 0\n");
        write(cpu.resolve("cpu.cfs_quota_us"), "50000\n");
        write(cpu.resolve("cpu.cfs_period_us"), "100000\n");
        write(memory.resolve("memory.limit_in_bytes"), "268435456\n");
        write(memory.resolve("memory.usage_in_bytes"), "150000000\n");
        write(
                memory.resolve("memory.stat"),
                "cache 40000000\ninactive_file 1\ntotal_cache 40000000\n" + "total_inactive_file 30000000\n");
        Map<String, String> series = scrape(
                "12:memory:" + scope + "\n4:cpu,cpuacct:" + scope + "\n1:name=systemd:" + scope + "\n",
                mountLine(30, scope, temp.resolve("sys/fs/cgroup/cpu,cpuacct"), "cgroup", "rw,cpu,cpuacct")
                        + mountLine(31, scope, memory, "cgroup", "rw,memory"));

        assertThat(series)
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        "classifier_cgroup_cpu_periods_total", "1200.0",
                        "classifier_cgroup_cpu_throttled_periods_total", "300.0",
                        "classifier_cgroup_cpu_throttled_seconds_total", "45.5",
                        "classifier_cgroup_cpu_limit_cores", "0.5",
                        "classifier_cgroup_memory_limit_bytes", "2.68435456E8",
                        "classifier_cgroup_memory_working_set_bytes", "1.2E8"));
    }

    @Test
    void v1OnAHostWhereTheCgroupIsASubPathWithoutLimits() throws IOException {
        Path memoryMount = dir("sys/fs/cgroup/memory");
        Path memory = dir("sys/fs/cgroup/memory/user.slice/session-1.scope");
        write(memoryMount.resolve("memory.usage_in_bytes"), "999999999\n"); // the root cgroup's: not ours
        write(memory.resolve("memory.limit_in_bytes"), "9223372036854771712\n");
        write(memory.resolve("memory.usage_in_bytes"), "5000\n");
        write(memory.resolve("memory.stat"), "total_inactive_file 7000\n"); // more inactive cache than usage: 0
        Path cpu = dir("sys/fs/cgroup/cpu");
        write(cpu.resolve("cpu.stat"), "nr_periods 0\nnr_throttled 0\nthrottled_time 0\n");
        write(cpu.resolve("cpu.cfs_quota_us"), "-1\n");
        write(cpu.resolve("cpu.cfs_period_us"), "100000\n");
        Map<String, String> series = scrape(
                "4:memory:/user.slice/session-1.scope\n2:cpu:/\n0::/\n",
                mountLine(31, "/", memoryMount, "cgroup", "rw,memory")
                        + mountLine(32, "/", cpu, "cgroup", "rw,cpu")
                        + mountLine(33, "/", dir("sys/fs/cgroup/unified"), "cgroup2", "rw"));

        assertThat(series)
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        "classifier_cgroup_cpu_periods_total", "0.0",
                        "classifier_cgroup_cpu_throttled_periods_total", "0.0",
                        "classifier_cgroup_cpu_throttled_seconds_total", "0.0",
                        "classifier_cgroup_memory_working_set_bytes", "0.0"));
    }

    @Test
    void v2InAContainerWithItsOwnCgroupNamespace() throws IOException {
        Path cgroup = dir("sys/fs/cgroup");
        write(
                cgroup.resolve("cpu.stat"),
                "usage_usec 9000000\nuser_usec 8000000\nsystem_usec 1000000\n"
                        + "nr_periods 500\nnr_throttled 120\nthrottled_usec 2250000\nnr_bursts 0\nburst_usec 0\n");
        write(cgroup.resolve("cpu.max"), "200000 100000\n");
        write(cgroup.resolve("memory.max"), "max\n");
        write(cgroup.resolve("memory.current"), "80000000\n");
        write(
                cgroup.resolve("memory.stat"),
                "anon 50000000\nfile 30000000\nactive_file 10000000\n" + "inactive_file 20000000\n");
        Map<String, String> series = scrape("0::/\n", mountLine(40, "/", cgroup, "cgroup2", "rw,nsdelegate"));

        assertThat(series)
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        "classifier_cgroup_cpu_periods_total", "500.0",
                        "classifier_cgroup_cpu_throttled_periods_total", "120.0",
                        "classifier_cgroup_cpu_throttled_seconds_total", "2.25",
                        "classifier_cgroup_cpu_limit_cores", "2.0",
                        "classifier_cgroup_memory_working_set_bytes", "6.0E7"));
    }

    @Test
    void v2OnAHostReadsTheSubPathAndEachScrapeReadsTheFilesAgain() throws IOException {
        Path mount = dir("sys/fs/cgroup");
        Path service = dir("sys/fs/cgroup/system.slice/classifier.service");
        write(service.resolve("cpu.stat"), "usage_usec 1\nnr_periods 10\nnr_throttled 1\nthrottled_usec 500\n");
        write(service.resolve("cpu.max"), "max 100000\n");
        write(service.resolve("memory.max"), "1073741824\n");
        write(service.resolve("memory.current"), "1000\n");
        write(service.resolve("memory.stat"), "inactive_file 400\n");
        PrometheusMeterRegistry registry =
                bind("0::/system.slice/classifier.service\n", mountLine(40, "/", mount, "cgroup2", "rw"));
        assertThat(series(registry))
                .containsEntry("classifier_cgroup_memory_limit_bytes", "1.073741824E9")
                .containsEntry("classifier_cgroup_cpu_throttled_periods_total", "1.0")
                .doesNotContainKey("classifier_cgroup_cpu_limit_cores");

        write(service.resolve("cpu.stat"), "usage_usec 2\nnr_periods 20\nnr_throttled 7\nthrottled_usec 900\n");
        write(service.resolve("memory.current"), "3000\n");
        assertThat(series(registry))
                .containsEntry("classifier_cgroup_cpu_throttled_periods_total", "7.0")
                .containsEntry("classifier_cgroup_memory_working_set_bytes", "2600.0");
    }

    @Test
    void noCgroupFilesNoMeters() throws IOException {
        assertThat(series(bind("", ""))).isEmpty();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new CgroupMetrics(CgroupDirectories.of(temp.resolve("absent"), temp.resolve("absent"))).bindTo(registry);
        assertThat(registry.getMeters()).isEmpty();
    }

    @Test
    void thisMachinesCgroupParses() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        CgroupMetrics metrics = new CgroupMetrics(CgroupDirectories.ofThisProcess());
        metrics.bindTo(registry);
        Map<String, String> series = series(registry);
        System.out.println("this machine's cgroup: " + series);
        if (Files.isReadable(Path.of("/proc/self/cgroup"))) {
            assertThat(registry.getMeters())
                    .as("meters from this Linux machine's cgroup")
                    .isNotEmpty();
        }
        for (Meter meter : registry.getMeters()) {
            meter.measure()
                    .forEach(m -> assertThat(m.getValue())
                            .as(meter.getId().getName())
                            .isFinite()
                            .isNotNegative());
        }
    }

    private Map<String, String> scrape(String procCgroup, String mountInfo) throws IOException {
        return series(bind(procCgroup, mountInfo));
    }

    private PrometheusMeterRegistry bind(String procCgroup, String mountInfo) throws IOException {
        Path cgroupFile = write(temp.resolve("proc-self-cgroup"), procCgroup);
        Path mountInfoFile = write(
                temp.resolve("proc-self-mountinfo"),
                "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n" + mountInfo);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        CgroupMetrics metrics = new CgroupMetrics(CgroupDirectories.of(cgroupFile, mountInfoFile));
        metrics.bindTo(registry);
        kept = metrics;
        return registry;
    }

    private static Map<String, String> series(PrometheusMeterRegistry registry) {
        Map<String, String> series = new TreeMap<>();
        Matcher matcher =
                Pattern.compile("(?m)^(classifier_cgroup_\\w+) (\\S+)$").matcher(registry.scrape());
        while (matcher.find()) {
            series.put(matcher.group(1), matcher.group(2));
        }
        return series;
    }

    /** A mountinfo line as the kernel writes it (mount point escaped: its temp path may hold a space). */
    private static String mountLine(int id, String root, Path mountPoint, String fsType, String superOptions) {
        return id + " 30 0:" + id + " " + root + " " + mountPoint.toString().replace(" ", "\\040")
                + " rw,nosuid,nodev,noexec,relatime shared:" + id + " - " + fsType + " " + fsType + " " + superOptions
                + "\n";
    }

    private Path dir(String relative) throws IOException {
        return Files.createDirectories(temp.resolve(relative));
    }

    private static Path write(Path file, String text) throws IOException {
        return Files.writeString(file, text);
    }
}
