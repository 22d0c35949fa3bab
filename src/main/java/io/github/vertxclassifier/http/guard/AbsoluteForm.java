package io.github.vertxclassifier.http.guard;

/**
 * The absolute-form of a request-target, {@code scheme://authority[path][?query]} (RFC 9112 3.2.2): where its
 * path starts, and the path {@code /} for one that has none (RFC 9110 4.2.3).
 */
public final class AbsoluteForm {

    private AbsoluteForm() {}

    /**
     * {@code target} with {@code /} inserted where it has no path ({@code http://h?q} becomes {@code http://h/?q});
     * {@code target} itself when it has one; null when it is not in absolute-form.
     */
    public static String withPath(String target) {
        int start = pathStart(target);
        if (start < 0) {
            return null;
        }
        if (start < target.length() && target.charAt(start) == '/') {
            return target;
        }
        return target.substring(0, start) + '/' + target.substring(start);
    }

    /**
     * Index where the path of {@code scheme://authority/path} starts: at its {@code /}, at the {@code ?} of a
     * query when it has no path, or the length when it has neither; -1 when {@code target} is not in absolute-form.
     */
    public static int pathStart(String target) {
        int length = target.length();
        if (length == 0 || !isAlpha(target.charAt(0))) {
            return -1;
        }
        int i = 0;
        while (i < length && isSchemeChar(target.charAt(i))) {
            i++;
        }
        if (!target.startsWith("://", i)) {
            return -1;
        }
        i += 3;
        while (i < length) {
            char ch = target.charAt(i);
            if (ch == '/' || ch == '?') {
                return i;
            }
            i++;
        }
        return length;
    }

    private static boolean isAlpha(char ch) {
        return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
    }

    private static boolean isSchemeChar(char ch) {
        return isAlpha(ch) || (ch >= '0' && ch <= '9') || ch == '+' || ch == '-' || ch == '.';
    }
}
