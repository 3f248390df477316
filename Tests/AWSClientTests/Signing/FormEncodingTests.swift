import Testing

@testable import AWSClient

/// The form body must be byte-identical to Python's `quote_plus` re-encoding, or moto's signature check fails
/// (reference §2.3: `%20` for space, `%2D` for `-` and lower-case hex were all measured to give 401).
@Suite("Form encoding")
struct FormEncodingTests {
    @Test(
        "each byte class is encoded as AWS expects",
        arguments: [
            ("AZaz09", "AZaz09"),
            ("-_.~", "-_.~"),
            (" ", "+"),
            ("a b", "a+b"),
            ("+", "%2B"),
            ("*", "%2A"),
            ("/", "%2F"),
            (":", "%3A"),
            ("=", "%3D"),
            ("&", "%26"),
            ("%", "%25"),
            ("é", "%C3%A9"),
            ("ሴ", "%E1%88%B4"),
            ("\n", "%0A"),
            ("arn:aws:iam::444455556666:role/dns-readonly", "arn%3Aaws%3Aiam%3A%3A444455556666%3Arole%2Fdns-readonly"),
        ])
    func encoding(input: String, expected: String) {
        #expect(PercentEncoding.encode(input, .form) == expected)
    }

    @Test("SigV4 components encode space as %20 and keep nothing but unreserved; paths keep /")
    func sigV4Styles() {
        #expect(PercentEncoding.encode("a b/c", .component) == "a%20b%2Fc")
        #expect(PercentEncoding.encode("/a b/c", .path) == "/a%20b/c")
    }

    @Test("a whole body: parameters in order, names and values encoded")
    func body() {
        var form = QueryForm(action: "DescribeInstances", version: "2016-11-15")
        form.append("NextToken", "r-1950414895d2340e8")
        form.append("Filter.1.Name", "tag:Name")
        form.append("Filter.1.Value.1", "web server *")
        #expect(
            String(decoding: form.body, as: UTF8.self)
                == "Action=DescribeInstances&Version=2016-11-15&NextToken=r-1950414895d2340e8"
                + "&Filter.1.Name=tag%3AName&Filter.1.Value.1=web+server+%2A")
    }

    @Test("percent-decoding undoes encoding and rejects broken escapes")
    func decoding() {
        #expect(PercentEncoding.decode("%E1%88%B4=x") == "ሴ=x")
        #expect(PercentEncoding.decode("a+b") == "a+b")
        #expect(PercentEncoding.decode("%4") == nil)
        #expect(PercentEncoding.decode("%zz") == nil)
    }
}
