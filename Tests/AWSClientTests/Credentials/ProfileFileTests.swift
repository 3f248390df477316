import Testing

@testable import AWSClient

@Suite("Shared config and credentials file parsing")
struct ProfileFileTests {
    @Test("sections, comments, both separators, case-insensitive keys, CRLF and nested blocks")
    func parsing() throws {
        let text =
            "# top comment\r\n[default]\r\nregion = eu-west-1\r\n; another comment\r\n"
            + "[profile dev]\nAWS_ACCESS_KEY_ID: AKIDDEV\naws_secret_access_key =  spaced secret  \n"
            + "s3 =\n  max_concurrent_requests = 20\n  addressing_style = path\n"
            + "role_arn = arn:aws:iam::111122223333:role/x\n\n   # indented comment\n[ spaced ]\nk=v\n"
        let file = try ProfileFile.parse(text, path: "/tmp/config")
        #expect(file.sections["default"] == ["region": "eu-west-1"])
        let dev = try #require(file.sections["profile dev"])
        #expect(dev["aws_access_key_id"] == "AKIDDEV")
        #expect(dev["aws_secret_access_key"] == "spaced secret")
        // An indented line after a key continues that key's value (botocore's nested blocks).
        #expect(dev["s3"] == "\nmax_concurrent_requests = 20\naddressing_style = path")
        #expect(dev["role_arn"] == "arn:aws:iam::111122223333:role/x")
        #expect(file.sections["spaced"] == ["k": "v"])
    }

    @Test("a line that is neither a section nor a setting names its line number but never its content")
    func syntaxError() {
        let text = "[default]\naws_access_key_id = AKID\nwJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\n"
        #expect(throws: CredentialError.self) { try ProfileFile.parse(text, path: "/home/me/.aws/credentials") }
        do {
            _ = try ProfileFile.parse(text, path: "/home/me/.aws/credentials")
        } catch {
            #expect(error.description.contains("/home/me/.aws/credentials: line 3"))
            #expect(!error.description.contains("wJalrXUtnFEMI"))
        }
        #expect(throws: CredentialError.self) { try ProfileFile.parse("key = value\n", path: "f") }
        #expect(throws: CredentialError.self) { try ProfileFile.parse("[]\n", path: "f") }
    }
}
