/// RFC 4180 records with the line each starts on. Line ends may be CR LF, LF or CR.
enum CSVReader {
    struct Record {
        var line: Int
        var fields: [String]
    }

    struct Failure: Error {
        var line: Int
        var message: String
    }

    static func records(in input: String) throws(Failure) -> [Record] {
        var text = Substring(input)
        if text.hasPrefix("\u{FEFF}") { text = text.dropFirst() }
        var records: [Record] = []
        var fields: [String] = []
        var field = ""
        var fieldWasQuoted = false
        var line = 1
        var recordLine = 1
        var index = text.unicodeScalars.startIndex
        let scalars = text.unicodeScalars

        func endField() {
            fields.append(fieldWasQuoted ? field : field.trimmingSpaces())
            field = ""
            fieldWasQuoted = false
        }
        func endRecord() {
            endField()
            records.append(Record(line: recordLine, fields: fields))
            fields = []
        }

        while index < scalars.endIndex {
            let scalar = scalars[index]
            index = scalars.index(after: index)
            switch scalar {
            case "\"" where field.allSatisfy({ $0 == " " || $0 == "\t" }) && !fieldWasQuoted:
                // A quoted field: read to the closing quote; "" is a quote inside.
                field = ""
                fieldWasQuoted = true
                let openedOn = line
                var closed = false
                while index < scalars.endIndex {
                    let inner = scalars[index]
                    index = scalars.index(after: index)
                    if inner == "\"" {
                        if index < scalars.endIndex, scalars[index] == "\"" {
                            field.unicodeScalars.append("\"")
                            index = scalars.index(after: index)
                        } else {
                            closed = true
                            break
                        }
                    } else {
                        if inner == "\n" || (inner == "\r" && (index == scalars.endIndex || scalars[index] != "\n")) { line += 1 }
                        field.unicodeScalars.append(inner)
                    }
                }
                guard closed else { throw Failure(line: openedOn, message: "a quote opened here is never closed") }
                // Only spaces may follow the closing quote before the next separator.
                while index < scalars.endIndex, scalars[index] == " " || scalars[index] == "\t" { index = scalars.index(after: index) }
                if index < scalars.endIndex, !["," as Unicode.Scalar, "\n", "\r"].contains(scalars[index]) {
                    throw Failure(line: line, message: "text after a closing quote; put the whole field in quotes")
                }
            case ",":
                endField()
            case "\r", "\n":
                if scalar == "\r", index < scalars.endIndex, scalars[index] == "\n" { index = scalars.index(after: index) }
                endRecord()
                line += 1
                recordLine = line
            default:
                field.unicodeScalars.append(scalar)
            }
        }
        if !field.isEmpty || !fields.isEmpty || fieldWasQuoted { endRecord() }
        return records
    }
}

extension String {
    fileprivate func trimmingSpaces() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { $0 != " " && $0 != "\t" }),
            let last = scalars.lastIndex(where: { $0 != " " && $0 != "\t" })
        else { return "" }
        return String(scalars[first...last])
    }
}
