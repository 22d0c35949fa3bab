package io.github.vertxclassifier.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ByteProcessor;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The request-head scanner alone, without sockets: nanoseconds per request head (mode avgt, ns/op), for the
 * scanner as the service runs it ({@link #swar}: the request line 8 bytes at a time, the rest byte by byte) and
 * for a plain byte loop over the same per-byte code ({@link #plain}: the request line byte by byte too).
 *
 * <p>The scanner is package-private (in {@code http/guard/}, or {@code http/} before the guard's split); it is
 * reached through method handles (constants, which the JIT inlines like direct calls). The plain loop is
 * {@code scan} without its request-line skip: the scanner's own {@code process} on every byte, then its verdict.
 * {@link #setUp} checks that both give the same answer, and a complete well-formed head, on every input. Each head
 * sits in a pooled direct buffer, as a read from an epoll socket does. Run with
 * {@code bench/jmh RequestHeadScannerBenchmark}; this is not a JUnit test.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RequestHeadScannerBenchmark {

    /** Where the scanner is: http/guard/ after the guard's split into one class per concern, http/ before. */
    private static final String[] SCANNER = {
        "io.github.vertxclassifier.http.guard.RequestHeadScanner", "io.github.vertxclassifier.http.RequestHeadScanner"
    };

    private static final MethodHandle NEW;
    private static final MethodHandle SCAN; // (Object, ByteBuf, int, int) int
    private static final MethodHandle STARTED; // (Object) boolean
    private static final MethodHandle PROBLEM; // (Object) String
    private static final MethodHandle VERDICT; // (Object) String

    static {
        try {
            Class<?> type = scannerClass();
            MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(type, MethodHandles.lookup());
            NEW = lookup.findConstructor(type, MethodType.methodType(void.class))
                    .asType(MethodType.methodType(Object.class));
            SCAN = lookup.findVirtual(
                            type, "scan", MethodType.methodType(int.class, ByteBuf.class, int.class, int.class))
                    .asType(MethodType.methodType(int.class, Object.class, ByteBuf.class, int.class, int.class));
            STARTED = lookup.findVirtual(type, "started", MethodType.methodType(boolean.class))
                    .asType(MethodType.methodType(boolean.class, Object.class));
            PROBLEM = lookup.findVirtual(type, "problem", MethodType.methodType(String.class))
                    .asType(MethodType.methodType(String.class, Object.class));
            VERDICT = lookup.findVirtual(type, "verdict", MethodType.methodType(String.class))
                    .asType(MethodType.methodType(String.class, Object.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static Class<?> scannerClass() throws ClassNotFoundException {
        for (String name : SCANNER) {
            try {
                return Class.forName(name);
            } catch (ClassNotFoundException e) {
                // the other place
            }
        }
        throw new ClassNotFoundException(String.join(" or ", SCANNER));
    }

    private static final int NEED_MORE = -1;
    private static final int MALFORMED = -2;

    /**
     * The heads: {@code wrk}, what {@code wrk -t1 -c40} sends ({@code /helloworld}, Host only);
     * {@code wrk1001}, the same at the benchmark's N=1001 target; {@code proxy}, a browser request as a reverse
     * proxy forwards it (X-Forwarded-*, X-Real-IP, a request id, a traceparent); {@code kib}, about 1 KiB of
     * fields, most of it a Cookie.
     */
    @Param({"wrk", "wrk1001", "proxy", "kib"})
    public String head;

    private ByteBuf buf;
    private int end;
    private Object swarScanner;
    private Object plainScanner;
    private ByteProcessor plainProcessor;

    static String head(String name) {
        return switch (name) {
            case "wrk" -> "GET /helloworld HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n";
            case "wrk1001" -> "GET /" + "helloworld".repeat(100) + " HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n";
            case "proxy" ->
                "GET /helloworld?ref=home HTTP/1.1\r\n"
                        + "Host: classifier.example.com\r\n"
                        + "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n"
                        + "Accept: text/plain,*/*;q=0.8\r\n"
                        + "Accept-Encoding: gzip, deflate, br\r\n"
                        + "Accept-Language: en-US,en;q=0.5\r\n"
                        + "X-Forwarded-For: 203.0.113.7, 10.0.12.5\r\n"
                        + "X-Forwarded-Proto: https\r\n"
                        + "X-Forwarded-Host: classifier.example.com\r\n"
                        + "X-Forwarded-Port: 443\r\n"
                        + "X-Real-IP: 203.0.113.7\r\n"
                        + "X-Request-Id: 5f0c6a1e-9d3b-4c2e-8a77-1b2c3d4e5f60\r\n"
                        + "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\n"
                        + "\r\n";
            case "kib" ->
                "GET /helloworld HTTP/1.1\r\n"
                        + "Host: classifier.example.com\r\n"
                        + "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n"
                        + "Accept: text/plain,*/*;q=0.8\r\n"
                        + "Cookie: session=" + "0123456789abcdef".repeat(48) + "; theme=dark; lang=en\r\n"
                        + "\r\n";
            default -> throw new IllegalArgumentException("unknown head " + name);
        };
    }

    @Setup(Level.Trial)
    public void setUp() throws Throwable {
        byte[] bytes = head(head).getBytes(StandardCharsets.US_ASCII);
        buf = PooledByteBufAllocator.DEFAULT.directBuffer(bytes.length);
        buf.writeBytes(bytes);
        end = buf.writerIndex();
        swarScanner = NEW.invokeExact();
        plainScanner = NEW.invokeExact();
        plainProcessor = (ByteProcessor) plainScanner;
        for (int i = 0; i < 3; i++) { // the scanners are reused head after head, as on a keep-alive connection
            int swar = swar();
            int plain = plain();
            if (swar != end || plain != swar) {
                throw new IllegalStateException(
                        head + ": scan " + swar + ", plain loop " + plain + ", head ends at " + end);
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        buf.release();
    }

    /** The scanner as the service runs it. */
    @Benchmark
    public int swar() throws Throwable {
        return (int) SCAN.invokeExact(swarScanner, buf, 0, end);
    }

    /** The same scan with every byte, the request line's too, through the scanner's per-byte {@code process}. */
    @Benchmark
    public int plain() throws Throwable {
        Object scanner = plainScanner;
        int at = 0;
        while (true) {
            int stop = buf.forEachByte(at, end - at, plainProcessor);
            if ((String) PROBLEM.invokeExact(scanner) != null) {
                return MALFORMED;
            }
            if (stop < 0) {
                return NEED_MORE;
            }
            if ((boolean) STARTED.invokeExact(scanner)) {
                at = stop + 1; // paused at the first byte of the request line: go on byte by byte
                continue;
            }
            return (String) VERDICT.invokeExact(scanner) != null ? MALFORMED : stop + 1;
        }
    }
}
