import Foundation
import Testing

@testable import Inventory

@Suite("Tags")
struct TagsTests {
    @Test("reads, writes and removals behave as a dictionary's, the keys kept in order")
    func dictionaryBehaviour() {
        var tags: Tags = ["Team": "search", "Name": "web-1", "env": "prod"]
        #expect(tags["Name"] == "web-1")
        #expect(tags["Team"] == "search")
        #expect(tags["missing"] == nil)
        #expect(tags.count == 3)
        #expect(tags.keys == ["Name", "Team", "env"])
        tags["Owner"] = "ops@example.com"
        tags["Name"] = "web-2"
        tags["env"] = nil
        tags["absent"] = nil
        #expect(tags.keys == ["Name", "Owner", "Team"])
        #expect(tags.dictionary == ["Name": "web-2", "Owner": "ops@example.com", "Team": "search"])
        #expect(Array(tags.map(\.value)) == ["web-2", "ops@example.com", "search"])
        tags["Name"] = nil
        tags["Owner"] = nil
        tags["Team"] = nil
        #expect(tags.isEmpty)
    }

    @Test("a repeated key keeps the value given last; equality does not depend on the order given")
    func repeatsAndEquality() {
        let repeated = Tags([(key: "b", value: "1"), (key: "a", value: "x"), (key: "b", value: "2"), (key: "b", value: "3")])
        #expect(repeated.count == 2)
        #expect(repeated["b"] == "3")
        #expect(repeated == ["a": "x", "b": "3"])
        #expect(Tags(["z": "1", "y": "2"]) == Tags([(key: "y", value: "2"), (key: "z", value: "1")]))
        #expect(Tags(["z": "1"]) != Tags(["z": "2"]))
        #expect(Tags(["z": "1"]).hashValue == Tags([(key: "z", value: "1")]).hashValue)
    }

    @Test("JSON: written as an object, read back from one; a repeated key in the document keeps its last value")
    func json() throws {
        let instance = Instance(id: "i-1", tags: ["Name": "web", "aws:autoscaling:groupName": "web-asg"], region: "eu-west-1")
        let snapshot = try Snapshot.decode(Snapshot(instances: [instance]).encoded())
        #expect(snapshot.instances[0].tags == instance.tags)
        let object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(instance.tags)) as? [String: String]
        #expect(object == ["Name": "web", "aws:autoscaling:groupName": "web-asg"])
        let repeated = try Snapshot.decode(Data(#"{"instances":[{"id":"i-1","tags":{"k":"1","a":"","k":"2"}}]}"#.utf8))
        #expect(repeated.instances[0].tags == ["a": "", "k": "2"])
    }
}
