package dev.skiff.api.validation;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class NameFormatsTest {

    @Test
    void dns1123LabelAcceptsLowercaseAlphanumericsAndInnerDashes() {
        assertThat(NameFormats.isDns1123Label("my-name")).isEmpty();
        assertThat(NameFormats.isDns1123Label("123-abc")).isEmpty();
        assertThat(NameFormats.isDns1123Label("a".repeat(63))).isEmpty();
    }

    @Test
    void dns1123LabelRejectsWithUpstreamMessages() {
        assertThat(NameFormats.isDns1123Label("a.b")).containsExactly("must not contain dots");
        assertThat(NameFormats.isDns1123Label("-a")).containsExactly("a lowercase RFC 1123 label must consist of lower case "
                + "alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or "
                + "'123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')");
        assertThat(NameFormats.isDns1123Label("a".repeat(64))).containsExactly("must be no more than 63 characters");
    }

    @Test
    void dns1123SubdomainAllowsDotsUpTo253() {
        assertThat(NameFormats.isDns1123Subdomain("example.com")).isEmpty();
        assertThat(NameFormats.isDns1123Subdomain("X")).containsExactly("a lowercase RFC 1123 subdomain must consist of lower "
                + "case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. "
                + "'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
        assertThat(NameFormats.isDns1123Subdomain("a".repeat(254))).containsExactly("must be no more than 253 characters");
        assertThat(NameFormats.isDns1123Subdomain("a..b")).hasSize(1);
    }

    @Test
    void dns1035LabelMustStartWithALetter() {
        assertThat(NameFormats.isDns1035Label("web-1")).isEmpty();
        assertThat(NameFormats.isDns1035Label("1web")).singleElement().asString().startsWith("a DNS-1035 label must consist of");
    }

    @Test
    void qualifiedNamesTakeAnOptionalDnsPrefix() {
        assertThat(NameFormats.isQualifiedName("app.kubernetes.io/name")).isEmpty();
        assertThat(NameFormats.isQualifiedName("MyName")).isEmpty();
        assertThat(NameFormats.isQualifiedName("/name")).containsExactly("prefix part must be non-empty");
        assertThat(NameFormats.isQualifiedName("Example.com/name")).singleElement().asString()
                .startsWith("prefix part a lowercase RFC 1123 subdomain");
        assertThat(NameFormats.isQualifiedName("a/")).hasSize(2).first().isEqualTo("name part must be non-empty");
        assertThat(NameFormats.isQualifiedName("a".repeat(64))).first().isEqualTo("name part must be no more than 63 characters");
        assertThat(NameFormats.isQualifiedName("a/b/c")).singleElement().asString()
                .startsWith("a qualified name must consist of").endsWith("with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
    }

    @Test
    void labelValuesMayBeEmptyButNotPunctuatedAtTheEnds() {
        assertThat(NameFormats.isValidLabelValue("")).isEmpty();
        assertThat(NameFormats.isValidLabelValue("v1.2_3")).isEmpty();
        assertThat(NameFormats.isValidLabelValue("-v")).singleElement().asString().startsWith("a valid label must be an empty string");
    }

    @Test
    void lengthsCountUtf8BytesAsGoDoes() {
        // 32 two-byte characters: 64 bytes, over the 63 limit though only 32 chars
        assertThat(NameFormats.isValidLabelValue("é".repeat(32))).contains("must be no more than 63 characters");
    }

    @Test
    void pathSegmentNamesForbidDotsAloneSlashAndPercent() {
        assertThat(NameFormats.isValidPathSegmentName("system:admin")).isEmpty();
        assertThat(NameFormats.isValidPathSegmentName("..")).containsExactly("may not be '..'");
        assertThat(NameFormats.isValidPathSegmentName("a/b%")).containsExactly("may not contain '/'", "may not contain '%'");
    }
}
