package io.github.vertxclassifier.http;

/**
 * Finds the classifier input inside an HTTP request-target (RFC 9112, section 3.2) without allocating:
 * the path as sent, not percent-decoded, up to the first {@code ?}.
 *
 * <ul>
 *   <li>origin-form {@code /p?q}: the path is {@code /p};</li>
 *   <li>absolute-form {@code http://host/p?q}: the path is {@code /p}; a target without a path has the path
 *       {@code /} (RFC 9110 4.2.3), which {@link #withPath} writes into it before the request is handled;</li>
 *   <li>anything else (asterisk-form, authority-form, a bare word, control bytes, chars above 0xFF) is not
 *       a path and the caller answers 400.</li>
 * </ul>
 */
public final class RequestTarget {

  /** Returned by {@link #pathRange} for a target that does not carry a path. */
  public static final long INVALID = -1L;

  private RequestTarget() {
  }

  /** The path as {@code (start << 32) | end} within {@code target}, or {@link #INVALID}. */
  public static long pathRange(String target) {
    int length = target.length();
    if (length == 0) {
      return INVALID;
    }
    int start;
    if (target.charAt(0) == '/') {
      start = 0;
    } else {
      start = absoluteFormPathStart(target);
      if (start < 0) {
        return INVALID;
      }
    }
    int end = length;
    for (int i = 0; i < length; i++) {
      char ch = target.charAt(i);
      if (ch <= 0x20 || ch == 0x7F || ch > 0xFF) {
        return INVALID;
      }
      if (ch == '?' && end == length && i >= start) {
        end = i;
      }
    }
    return ((long) start << 32) | end;
  }

  /**
   * An absolute-form target with {@code /} inserted where it has no path ({@code http://h?q} becomes
   * {@code http://h/?q}, RFC 9110 4.2.3, RFC 9112 3.2.2); {@code target} itself when it has one; null when
   * it is not in absolute-form.
   */
  public static String withPath(String target) {
    if (target.isEmpty() || !isAlpha(target.charAt(0))) {
      return null;
    }
    int start = absoluteFormPathStart(target);
    if (start < 0) {
      return null;
    }
    if (start < target.length() && target.charAt(start) == '/') {
      return target;
    }
    return target.substring(0, start) + '/' + target.substring(start);
  }

  public static int start(long range) {
    return (int) (range >>> 32);
  }

  public static int end(long range) {
    return (int) range;
  }

  /** Index where the path of {@code scheme://authority/path} starts (length if it has none), or -1. */
  private static int absoluteFormPathStart(String target) {
    int length = target.length();
    int i = 0;
    if (!isAlpha(target.charAt(0))) {
      return -1;
    }
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
        return i; // at '?' the path is empty: the query scan below ends it where it starts
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
