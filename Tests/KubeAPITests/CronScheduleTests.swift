import Foundation
import Testing
@testable import KubeAPI

/// The cron parser and next-time computation, as upstream's robfig/cron v3.
@Suite struct CronScheduleTests {
    let utc = TimeZone(identifier: "UTC")!
    let newYork = TimeZone(identifier: "America/New_York")!

    func date(_ s: String) -> Date { Timestamp(rfc3339: s)!.date }

    func next(_ spec: String, _ after: String, _ zone: TimeZone? = nil) throws -> String? {
        let s = try CronSchedule(parsing: spec)
        return s.next(after: date(after), in: zone ?? utc).map { Timestamp($0).description }
    }

    func parseError(_ spec: String) -> String? {
        do {
            _ = try CronSchedule(parsing: spec)
            return nil
        } catch {
            return error.message
        }
    }

    @Test func parseErrorsAsUpstream() {
        #expect(parseError("61 * * * *") == "end of range (61) above maximum (59): 61")
        #expect(parseError("* * * * * *") == "expected exactly 5 fields, found 6: [* * * * * *]")
        #expect(parseError("* 24 * * *") == "end of range (24) above maximum (23): 24")
        #expect(parseError("* * 0 * *") == "beginning of range (0) below minimum (1): 0")
        #expect(parseError("5-1 * * * *") == "beginning of range (5) beyond end of range (1): 5-1")
        #expect(parseError("*/0 * * * *") == "step of range should be a positive number: */0")
        #expect(parseError("a * * * *") == "failed to parse int from a: strconv.Atoi: parsing \"a\": invalid syntax")
        #expect(parseError("* * * * 7") == "end of range (7) above maximum (6): 7")
        #expect(parseError("1-2-3 * * * *") == "too many hyphens: 1-2-3")
        #expect(parseError("") == "empty spec string")
        #expect(parseError("@fortnightly") == "unrecognized descriptor: @fortnightly")
        for ok in ["*/15 9-17 * * mon-fri", "0 0 1 jan,jul *", "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight",
                   "@hourly", "0 0 ? * SUN", "5,10-20/5 * * * *"] {
            #expect(parseError(ok) == nil, "\(ok)")
        }
    }

    @Test func nextTimes() throws {
        #expect(try next("*/15 9-17 * * mon-fri", "2026-01-02T17:50:00Z") == "2026-01-05T09:00:00Z")
        #expect(try next("*/15 9-17 * * mon-fri", "2026-01-05T09:00:00Z") == "2026-01-05T09:15:00Z")
        // Day of month and day of week both restricted: either matches.
        #expect(try next("0 0 13 * 5", "2026-02-01T00:00:00Z") == "2026-02-06T00:00:00Z")
        #expect(try next("0 12 1 jan,jul *", "2026-01-01T12:00:00Z") == "2026-07-01T12:00:00Z")
        #expect(try next("@yearly", "2026-05-05T10:00:00Z") == "2027-01-01T00:00:00Z")
        #expect(try next("@weekly", "2026-01-01T10:00:00Z") == "2026-01-04T00:00:00Z")
        #expect(try next("@hourly", "2026-01-01T10:00:00Z") == "2026-01-01T11:00:00Z")
        #expect(try next("* * * * *", "2026-01-01T10:00:30Z") == "2026-01-01T10:01:00Z")
        #expect(try next("@every 90s", "2026-01-01T10:00:00Z") == "2026-01-01T10:01:30Z")
        // February 30th never comes.
        #expect(try next("0 0 30 2 *", "2026-01-01T00:00:00Z") == nil)
    }

    @Test func daylightSavingTimeInNewYork() throws {
        // 2026-03-08 02:00 EST becomes 03:00 EDT: 02:30 does not exist that day, so the day is skipped.
        #expect(try next("30 2 * * *", "2026-03-06T17:00:00Z", newYork) == "2026-03-07T07:30:00Z")
        #expect(try next("30 2 * * *", "2026-03-07T17:00:00Z", newYork) == "2026-03-09T06:30:00Z")
        // Hourly across the gap: 01:00 EST, then 03:00 EDT.
        #expect(try next("0 * * * *", "2026-03-08T06:30:00Z", newYork) == "2026-03-08T07:00:00Z")
        // 09:00 local is 14:00Z before the change and 13:00Z after it.
        #expect(try next("0 9 * * *", "2026-03-07T15:00:00Z", newYork) == "2026-03-08T13:00:00Z")
        // 2026-11-01 02:00 EDT becomes 01:00 EST: 01:30 happens twice, and runs twice (as robfig/cron does).
        #expect(try next("30 1 * * *", "2026-10-31T16:00:00Z", newYork) == "2026-11-01T05:30:00Z")
        #expect(try next("30 1 * * *", "2026-11-01T05:30:00Z", newYork) == "2026-11-01T06:30:00Z")
        #expect(try next("30 1 * * *", "2026-11-01T06:30:00Z", newYork) == "2026-11-02T06:30:00Z")
    }

    @Test func completionIndexes() {
        var set = CompletionIndexes()
        for i in [0, 1, 2, 4, 6, 7] { set.insert(i) }
        #expect(set.text == "0-2,4,6-7")
        #expect(CompletionIndexes(parsing: "0-2,4,6-7", completions: 7)?.indexes == [0, 1, 2, 4, 6])
        #expect(CompletionIndexes(parsing: "x", completions: 7) == nil)
        #expect(CompletionIndexes().text == nil)
    }
}
