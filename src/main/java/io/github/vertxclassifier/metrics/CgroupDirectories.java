package io.github.vertxclassifier.metrics;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Where this process's own cgroup keeps the files of one controller ({@code cpu}, {@code memory}), found as the
 * kernel describes it: {@code /proc/self/cgroup} gives the cgroup's path per hierarchy, {@code
 * /proc/self/mountinfo} where each hierarchy is mounted and which of its paths the mount shows as its root.
 * In a container the mount's root is usually the container's cgroup itself (the directory is the mount point);
 * on a host the cgroup is a sub-path below the mount point. A controller of a cgroup v1 hierarchy wins over the
 * v2 one (a hybrid host mounts v2 without controllers); nothing found is {@link Optional#empty()}.
 */
final class CgroupDirectories {

    /** The cgroup version of a controller's hierarchy. */
    enum Version {
        V1,
        V2
    }

    /** One controller's directory in this process's cgroup. */
    record Controller(Version version, Path directory) {}

    /** One line of mountinfo: which path of the hierarchy ({@code root}) is seen at {@code mountPoint}. */
    private record Mount(String root, Path mountPoint, String fsType, List<String> superOptions) {}

    private final List<String> cgroupLines;
    private final List<Mount> mounts;

    private CgroupDirectories(List<String> cgroupLines, List<Mount> mounts) {
        this.cgroupLines = cgroupLines;
        this.mounts = mounts;
    }

    /** This process's, from /proc; empty (nothing found) where /proc has no cgroup files. */
    static CgroupDirectories ofThisProcess() {
        return of(Path.of("/proc/self/cgroup"), Path.of("/proc/self/mountinfo"));
    }

    static CgroupDirectories of(Path procCgroup, Path mountInfo) {
        try {
            return new CgroupDirectories(
                    Files.readAllLines(procCgroup),
                    Files.readAllLines(mountInfo).stream()
                            .map(CgroupDirectories::mount)
                            .flatMap(Optional::stream)
                            .toList());
        } catch (IOException | RuntimeException e) {
            return new CgroupDirectories(List.of(), List.of());
        }
    }

    /** The directory of {@code controller} ("cpu", "memory") in this process's cgroup, if it exists. */
    Optional<Controller> find(String controller) {
        for (String line : cgroupLines) {
            // hierarchy-ID:controller-list:cgroup-path (cgroups(7)); the path may itself contain ':'.
            String[] fields = line.split(":", 3);
            if (fields.length < 3) {
                continue;
            }
            if (!fields[1].isEmpty() && Arrays.asList(fields[1].split(",")).contains(controller)) {
                return directory(
                                fields[2],
                                mount -> mount.fsType().equals("cgroup")
                                        && mount.superOptions().contains(controller))
                        .map(dir -> new Controller(Version.V1, dir));
            }
        }
        for (String line : cgroupLines) {
            String[] fields = line.split(":", 3);
            if (fields.length == 3 && fields[0].equals("0") && fields[1].isEmpty()) {
                // One v2 directory holds every controller's files; which are there is each meter's check.
                return directory(fields[2], mount -> mount.fsType().equals("cgroup2"))
                        .map(dir -> new Controller(Version.V2, dir));
            }
        }
        return Optional.empty();
    }

    private Optional<Path> directory(String cgroupPath, Predicate<Mount> hierarchy) {
        for (Mount mount : mounts) {
            if (!hierarchy.test(mount)) {
                continue;
            }
            Path dir;
            if (mount.root().equals("/")) {
                dir = mount.mountPoint()
                        .resolve(cgroupPath.substring(1)); // host, or a container with its own namespace
            } else if (cgroupPath.equals(mount.root())) {
                dir = mount.mountPoint(); // a container: the mount shows its own cgroup as the root
            } else if (cgroupPath.startsWith(mount.root() + "/")) {
                dir = mount.mountPoint()
                        .resolve(cgroupPath.substring(mount.root().length() + 1));
            } else {
                continue; // this mount shows another part of the hierarchy
            }
            if (Files.isDirectory(dir)) {
                return Optional.of(dir);
            }
        }
        return Optional.empty();
    }

    /** {@code id parent major:minor root mount-point options [optional...] - fstype source super-options}. */
    private static Optional<Mount> mount(String line) {
        String[] fields = line.split(" ");
        int separator = Arrays.asList(fields).indexOf("-");
        if (separator < 6 || fields.length < separator + 4) {
            return Optional.empty();
        }
        return Optional.of(new Mount(
                unescape(fields[3]),
                Path.of(unescape(fields[4])),
                fields[separator + 1],
                Arrays.asList(fields[separator + 3].split(","))));
    }

    /** mountinfo writes space, tab, newline and backslash in paths as octal escapes (\040). */
    private static String unescape(String field) {
        if (field.indexOf('\\') < 0) {
            return field;
        }
        StringBuilder out = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\'
                    && i + 3 < field.length()
                    && field.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
