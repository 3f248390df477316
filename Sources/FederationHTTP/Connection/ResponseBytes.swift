import HTTPTypes
import NIOCore
import NIOHTTP1

/// A ``SiteResponse`` as HTTP/1.1 puts it on the wire, serialised once: the status line and every header but `Date`,
/// and the body. The fast path writes these bytes itself, past NIO's response encoder, which would otherwise
/// convert the response to NIO's header type and serialise it again for every request; kept in a
/// ``LookupReplyCache`` the same bytes answer a repeated lookup with one copy.
struct ResponseBytes: Sendable {
    /// `HTTP/1.1 200 OK\r\n` and each header line, without the `Date` line and the empty line that ends the head.
    let head: ByteBuffer
    /// GET's body (HEAD's response is `head` alone; its `Content-Length` is GET's).
    let body: ByteBuffer

    init(_ response: SiteResponse) {
        var head = ByteBuffer()
        head.reserveCapacity(256)
        // The reason phrase NIO's encoder writes for the code (the core's statuses are built from bare codes).
        let status = HTTPResponseStatus(statusCode: response.head.status.code)
        head.writeStaticString("HTTP/1.1 ")
        head.writeString(String(status.code))
        head.writeStaticString(" ")
        head.writeString(status.reasonPhrase)
        head.writeStaticString("\r\n")
        for field in response.head.headerFields {
            head.writeString(field.name.rawName)
            head.writeStaticString(": ")
            head.writeString(field.value)
            head.writeStaticString("\r\n")
        }
        self.head = head
        body = response.body
    }

    /// The whole response in one buffer, so that TLS seals it in one record: the head, `Date`, and the body unless
    /// `withBody` is false (HEAD).
    func encoded(date: String, withBody: Bool, allocator: ByteBufferAllocator) -> ByteBuffer {
        let bodyLength = withBody ? body.readableBytes : 0
        var buffer = allocator.buffer(capacity: head.readableBytes + date.utf8.count + 10 + bodyLength)
        buffer.writeImmutableBuffer(head)
        buffer.writeStaticString("Date: ")
        buffer.writeString(date)
        buffer.writeStaticString("\r\n\r\n")
        if withBody { buffer.writeImmutableBuffer(body) }
        return buffer
    }
}
