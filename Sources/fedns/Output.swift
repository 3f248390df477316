import Foundation

/// Writes a line to standard error (messages for people; standard output stays for results).
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
