import Testing

@testable import AWSClient

@Suite("StartInstances XML")
struct StartInstancesTests {
    @Test("each instance's state before and after the call")
    func stateChanges() throws {
        // As EC2 documents the response (and moto sends it, on one line).
        let text = """
            <StartInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
              <requestId>59dbff89-35bd-4eac-99ed-be587EXAMPLE</requestId>
              <instancesSet>
                <item>
                  <instanceId>i-1234567890abcdef0</instanceId>
                  <currentState><code>0</code><name>pending</name></currentState>
                  <previousState><code>80</code><name>stopped</name></previousState>
                </item>
                <item><instanceId>i-0000000000000002</instanceId><currentState><code>16</code><name>running</name></currentState></item>
                <item><currentState><name>pending</name></currentState></item>
              </instancesSet>
            </StartInstancesResponse>
            """
        let changes = InstanceStateChange.list(try XMLDocument.parse(Array(text.utf8)))
        #expect(
            changes == [
                InstanceStateChange(instanceID: "i-1234567890abcdef0", previousState: "stopped", currentState: "pending"),
                InstanceStateChange(instanceID: "i-0000000000000002", previousState: nil, currentState: "running"),
            ])
    }
}
