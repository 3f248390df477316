import EC2Zone
import Foundation
import Inventory

/// Instances as a table for people: `ec2host`, `fedns instances`, and the candidate list when a name is
/// ambiguous (numbered, so `--pick N` can refer to a row).
public enum InventoryTable {
    /// By name as the zone spells it (untagged instances by id), then id: the order people scan a list in.
    public static func listingOrder(_ instances: [Instance]) -> [Instance] {
        instances.sorted { (InstanceNaming.canonicalLabel(of: $0), $0.id) < (InstanceNaming.canonicalLabel(of: $1), $1.id) }
    }

    public static func render(_ instances: [Instance], numbered: Bool = false) -> String {
        let header = ["NAME", "INSTANCE", "STATE", "REGION", "AZ", "TYPE", "PRIVATE IP", "PUBLIC IP", "IPV6", "LAUNCHED"]
        let rows = instances.map { instance in
            [
                instance.name ?? "-", instance.id, instance.state, instance.region, instance.availabilityZone ?? "-",
                instance.type ?? "-", instance.primaryPrivateIPv4 ?? "-", instance.publicIPv4 ?? "-",
                instance.ipv6.first ?? "-", instance.launchTime.map { $0.formatted(Date.ISO8601FormatStyle()) } ?? "-",
            ]
        }
        guard numbered else { return TextTable.render(header: header, rows: rows) }
        return TextTable.render(
            header: ["#"] + header, rows: rows.enumerated().map { index, row in ["\(index + 1)"] + row })
    }
}

/// Left-aligned columns separated by two spaces.
public enum TextTable {
    public static func render(header: [String], rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
