public import Foundation

/// Time zones of CronJobs: names from the system's tz database
/// (`/usr/share/zoneinfo`, as Go's `time.LoadLocation` reads it).
public enum CronTimeZones {
    /// Where the tz database lives.
    public static let zoneinfo = "/usr/share/zoneinfo"

    /// Whether `name` is a zone of the tz database (`America/New_York`, `UTC`).
    public static func isKnown(_ name: String) -> Bool {
        if name == "UTC" { return true }
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        for p in parts {
            if p.isEmpty || p == "." || p == ".." || p.hasPrefix("-") || p.count > 14 { return false }
            if !p.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-+".contains($0)) }) { return false }
        }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: "\(zoneinfo)/\(name)", isDirectory: &isDir), !isDir.boolValue else { return false }
        return TimeZone(identifier: name) != nil
    }

    /// The zone of a CronJob: its `timeZone`, else the controller's local zone, as upstream.
    public static func zone(_ name: String?) -> TimeZone? {
        guard let name else { return TimeZone.current }
        return isKnown(name) ? TimeZone(identifier: name) : nil
    }
}
