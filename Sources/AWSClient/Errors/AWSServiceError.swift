import Foundation
import NIOHTTP1

/// An error response from an AWS API, in any of the shapes it comes in.
public struct AWSServiceError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The AWS error code (`AuthFailure`, `RequestLimitExceeded`), or nil when the body was not an AWS error
    /// document (a load balancer's HTML 503, an empty 500).
    public var code: String?
    public var message: String
    public var httpStatus: Int
    public var requestID: String?
    /// The response's `Date` header, which `RequestTimeTooSkewed` handling uses to correct the clock.
    public var serverDate: String?

    public init(code: String?, message: String, httpStatus: Int, requestID: String? = nil, serverDate: String? = nil) {
        self.code = code
        self.message = message
        self.httpStatus = httpStatus
        self.requestID = requestID
        self.serverDate = serverDate
    }

    public var category: ErrorCategory { ErrorCodes.category(code: code, httpStatus: httpStatus) }

    public var description: String {
        var text = "\(code ?? "HTTP \(httpStatus)")"
        if code != nil { text += " (HTTP \(httpStatus))" }
        if !message.isEmpty { text += ": \(message)" }
        if let requestID { text += " [request id \(requestID)]" }
        return text
    }

    /// Reads the error from a non-2xx response. Handles `<Response><Errors><Error>` (EC2),
    /// `<ErrorResponse><Error>` (STS, IAM), `<ErrorResponse><Errors><Error>` (moto's auth layer), and bodies that
    /// are not XML at all, whose first line becomes the message.
    package static func parse(status: Int, headers: HTTPHeaders, body: [UInt8]) -> AWSServiceError {
        let headerRequestID =
            headers.first(name: "x-amzn-RequestId") ?? headers.first(name: "x-amz-request-id")
        let serverDate = headers.first(name: "Date")
        if let document = try? XMLDocument.parse(body), let code = document.root.descendant("Code") {
            // The message belongs to the same <Error> as the code; the request id sits beside <Errors>.
            let errorElement = document.root.descendant("Error")
            let message = errorElement?.childText("Message") ?? errorElement?.childText("message") ?? ""
            let requestID =
                document.root.descendant("RequestID")?.text ?? document.root.descendant("RequestId")?.text
            return AWSServiceError(
                code: code.text.isEmpty ? nil : code.text, message: message, httpStatus: status,
                requestID: requestID.flatMap { $0.isEmpty ? nil : $0 } ?? headerRequestID, serverDate: serverDate)
        }
        return AWSServiceError(
            code: nil, message: summary(ofNonXMLBody: body), httpStatus: status, requestID: headerRequestID,
            serverDate: serverDate)
    }

    /// The first line of a body that is not an AWS error document, shortened: enough to recognise an HTML error
    /// page or a proxy's message without pasting a whole page into a log.
    private static func summary(ofNonXMLBody body: [UInt8]) -> String {
        let text = String(decoding: body.prefix(2_048), as: UTF8.self)
        let firstLine =
            text.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .first { !$0.isEmpty } ?? ""
        return firstLine.count > 200 ? String(firstLine.prefix(200)) + "…" : firstLine
    }
}
