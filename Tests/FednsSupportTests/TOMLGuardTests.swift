import FednsSupport
import Testing

/// The TOML parser under TOMLKit aborts the process on these table headers and arrays (the `config` fuzz target
/// found them: fuzz/corpus/config/crash-b64ac95d…, crash-0d92adf9…); the guard refuses them first, with a line and column, and lets every
/// valid document and every other error through to the parser.
@Suite("TOML guard")
struct TOMLGuardTests {
    static let refused: [(text: String, line: Int, column: Int)] = [
        ("[\nsn]dttl = \"9223372036854775807Z", 1, 2),  // the fuzzer's input
        ("[=]", 1, 2),
        ("[#]", 1, 2),
        ("[.a]", 1, 2),
        ("[[=]]", 1, 3),
        ("[[\nx]]", 1, 3),
        ("[ \n]", 1, 3),
        ("[dns]\nttl = 1\n\n  [ =x]", 4, 5),
        ("a = \"[\" \n[{x]", 2, 2),  // a bracket inside a string is not a value's
        ("a = \"\"\"\n[x]\n\"\"\"\n[=]", 4, 2),  // after a multi-line string
        ("a = [1,\n  2]\n[%]", 3, 2),  // after a multi-line array
        // An array with `}` where a value must come (the fuzzer's second find: fuzz/corpus/config/crash-0d92adf9…).
        ("[dns]\nlisten = [}dns\"127.]\nlisten ", 2, 11),
        ("a = [}]", 1, 6),
        ("a = [1,}]", 1, 8),
        ("a = [1, [2, }]]", 1, 13),
        ("a = [\n  # comment\n  }]", 3, 3),
        ("a = {b = [}]}", 1, 11),
        // A date whose `T` is not followed by a digit (crash-9f8ce9e0…).
        ("a = 1979-05-27T:00", 1, 16),
        ("a = [1979-05-27t:]", 1, 17),
        ("a = {b = 1979-05-27T(07:32:00)}", 1, 21),
        ("a = [1, 1979-05-27Tx:]", 1, 20),
    ]

    @Test("headers whose key cannot start there are refused, where they are", arguments: refused)
    func refusedHeaders(_ example: (text: String, line: Int, column: Int)) {
        let problem = TOMLGuard.problem(in: example.text)
        #expect(problem?.line == example.line && problem?.column == example.column, "\(String(describing: problem))")
        #expect(problem?.description.hasPrefix("not valid TOML at line \(example.line)") == true)
    }

    static let passed = [
        "[dns]\nlisten = [\"127.0.0.1:53\"]\n[[federation.forward]]\nforward_type = \"x\"\n",
        "[ \"quoted key\" ]\n['literal']\n[a.b.\"c\"]\n[_x]\n[-y]\n[9]\n",
        // Lines of a value that start with `[` or `{` are not headers.
        "matrix = [\n  [1, 2],\n  [{a = 1}],\n  [=],\n]\n",
        "extra = [\n  { certificate = \"a\", private_key = \"b\" },\n]\n",
        // In strings and comments.
        "s = \"\"\"\n[=]\n\"\"\"\nt = '''\n[#]\n'''\n# [=]\nu = \"\\\"[\"\n",
        "x = \"line \\\n[=] continued\"\n",
        // Braces that close inline tables, in and around arrays.
        "a = {b = [1]}\nc = [{d = 1}, {e = [2, {}]}]\nf = {}\ng = [[1], {x = 2},]\n",
        // Dates and date-times, and keys that look like dates.
        "a = 1979-05-27T07:32:00Z\nb = 1979-05-27 07:32:00\nc = [1979-05-27, 1979-05-27t07:32:00]\n1979-05-27Tx = 1\nd = 1979-05-27 # x\n",
        // Errors the parser reports itself are left to it.
        "[]\n", "[a.]\n", "a. = 1\n", "x = {a.=1}\n", "[", "a = [1}]\n", "a = }\n", "a = {b = }}\n",
    ]

    @Test("valid documents, lines of values, strings, comments and other errors pass", arguments: passed)
    func passes(_ text: String) {
        #expect(TOMLGuard.problem(in: text) == nil)
    }
}
