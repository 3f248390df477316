/// Splits a command line into arguments the way Python's `shlex.split` does (POSIX mode), which is how the AWS
/// CLI reads `credential_process`. The command is then run directly, never through a shell.
///
/// Outside quotes a backslash escapes the next character. Single quotes keep everything literally. In double
/// quotes a backslash escapes only `\`, `"`, `$`, `` ` `` and a newline.
package enum ShellWords {
    package struct UnterminatedQuote: Error, Hashable {}

    package static func split(_ line: String) throws(UnterminatedQuote) -> [String] {
        enum State { case between, word, singleQuoted, doubleQuoted }
        var words: [String] = []
        var current = ""
        var state = State.between
        var characters = line.makeIterator()
        while let character = characters.next() {
            switch state {
            case .between, .word:
                switch character {
                case " ", "\t", "\n", "\r", "\r\n":
                    if state == .word { words.append(current) }
                    current = ""
                    state = .between
                case "'":
                    state = .singleQuoted
                case "\"":
                    state = .doubleQuoted
                case "\\":
                    guard let escaped = characters.next() else { throw UnterminatedQuote() }
                    current.append(escaped)
                    state = .word
                default:
                    current.append(character)
                    state = .word
                }
            case .singleQuoted:
                if character == "'" { state = .word } else { current.append(character) }
            case .doubleQuoted:
                switch character {
                case "\"":
                    state = .word
                case "\\":
                    guard let escaped = characters.next() else { throw UnterminatedQuote() }
                    if !["\\", "\"", "$", "`", "\n"].contains(escaped) { current.append("\\") }
                    current.append(escaped)
                default:
                    current.append(character)
                }
            }
        }
        switch state {
        case .singleQuoted, .doubleQuoted: throw UnterminatedQuote()
        case .word: words.append(current)
        case .between: break
        }
        return words
    }
}
