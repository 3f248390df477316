import Hummingbird
import HummingbirdTLS
import NIOCore
import NIOPosix
import NIOSSL

// hummingbird-floor PORT CERTIFICATE KEY: one route, `/federation`, answering the fixed reply; no middleware.

let arguments = CommandLine.arguments
let body = ByteBuffer(
    string: #"{"stellar_address":"user1*example.org","account_id":"GAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","memo_type":"id","memo":"1"}"#)
let chain = try NIOSSLCertificate.fromPEMFile(arguments[2])
let key = try NIOSSLPrivateKey(file: arguments[3], format: .pem)
let router = Router()
router.get("/federation") { _, _ in
    Response(
        status: .ok,
        headers: [
            .contentType: "application/json; charset=utf-8", .accessControlAllowOrigin: "*", .cacheControl: "no-store",
            .strictTransportSecurity: "max-age=63072000; includeSubDomains",
        ],
        body: .init(byteBuffer: body))
}
let app = Application(
    router: router,
    server: try .tls(
        .http1(),
        tlsConfiguration: .makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))),
    configuration: .init(address: .hostname("127.0.0.1", port: Int(arguments[1])!)),
    eventLoopGroupProvider: .shared(MultiThreadedEventLoopGroup(numberOfThreads: 1)))
try await app.runService()
