package io.github.vertxclassifier.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.vertxclassifier.http.guard.AbsoluteForm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RequestTargetTest {

    private static String path(String target) {
        long range = RequestTarget.pathRange(target);
        assertThat(range).as("valid target %s", target).isNotEqualTo(RequestTarget.INVALID);
        return target.substring(RequestTarget.start(range), RequestTarget.end(range));
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "/|/",
                "/helloworld|/helloworld",
                "/helloworld?x=1|/helloworld",
                "/a%20b|/a%20b",
                "/a?b?c|/a",
                "/?|/",
                "/p#frag|/p#frag",
                "http://host/p?q|/p",
                "HTTPS://host:8080/p/q|/p/q",
                "http://host/|/",
                "coap+tcp://h/x|/x",
                "/http://x/y|/http://x/y",
            })
    void pathIsTheRawBytesBeforeTheQuery(String target, String expected) {
        assertThat(path(target)).isEqualTo(expected);
    }

    @Test
    void absoluteFormWithoutPathHasAnEmptyPath() {
        assertThat(path("http://host")).isEmpty();
        assertThat(path("http://host?q=1")).isEmpty();
    }

    /** RFC 9110 4.2.3: the connection guard gives such a target the path "/" before the verticle sees it. */
    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "http://host|http://host/|/",
                "http://host?q=1|http://host/?q=1|/",
                "https://h:8080|https://h:8080/|/",
                "http://host/p?q|http://host/p?q|/p",
            })
    void withPathGivesAnAbsoluteFormTargetTheRootPath(String target, String withPath, String path) {
        assertThat(AbsoluteForm.withPath(target)).isEqualTo(withPath);
        assertThat(path(withPath)).isEqualTo(path);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "*", "foo", "host:80", "://x/y", "1http://h/p", "http:/h/p"})
    void withPathIsNullForOtherForms(String target) {
        assertThat(AbsoluteForm.withPath(target)).isNull();
    }

    @Test
    void bytesAboveAsciiArePathBytes() {
        assertThat(path("/\u00ee\u00ff?x")).isEqualTo("/\u00ee\u00ff");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "*",
                "foo",
                "host:80",
                "://x/y",
                "1http://h/p",
                "http:/h/p",
                "/a\u0001b",
                "/a b",
                "/a\u007fb",
                "/\u0100"
            })
    void anythingElseIsNotAPath(String target) {
        assertThat(RequestTarget.pathRange(target)).isEqualTo(RequestTarget.INVALID);
    }
}
