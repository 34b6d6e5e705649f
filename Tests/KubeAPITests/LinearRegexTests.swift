import Testing
@testable import KubeAPI

/// RE2 syntax as Kubernetes' `pattern` uses it, matched without backtracking.
@Suite struct LinearRegexTests {
    func m(_ p: String, _ s: String) throws -> Bool { try LinearRegex(p).matches(s) }

    @Test func matchesAsGoMatchStringDoes() throws {
        #expect(try m("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", "my-name"))
        #expect(try !m("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", "-bad"))
        #expect(try m("b+", "aabbbcc"))  // unanchored
        #expect(try !m("^b+", "aabbb"))
        #expect(try m("^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$", "512Mi"))
        #expect(try m("^([0-9]{1,5}(h|m|s|ms)){1,4}$", "1h30m"))
        #expect(try !m("^([0-9]{1,5}(h|m|s|ms)){1,4}$", "1h2m3s4ms5s"))
        #expect(try m("^a{2,3}$", "aaa") && !m("^a{2,3}$", "aaaa") && !m("^a{2,3}$", "a"))
        #expect(try m("^x{,2}$", "x{,2}"))  // not a repetition: literal, as in RE2
        #expect(try m("^[[:upper:]][[:alnum:]_]*$", "Foo_1") && !m("^[[:upper:]]", "foo"))
        #expect(try m("^[^.]+\\.[a-z]{2,}$", "example.com"))
        #expect(try m("\\bword\\b", "a word here") && !m("\\bword\\b", "swordfish"))
        #expect(try m("(?i)^abc$", "AbC") && !m("^abc$", "AbC"))
        #expect(try m("^(?:a|b)*?c$", "ababc"))
        #expect(try m("^(?P<x>\\d+)-(?<y>\\w+)$", "12-ab"))
        #expect(try m("^\\x41\\x{42}$", "AB"))
        #expect(try m("^.$", "é") && !m("^.$", "\n") && m("(?s)^.$", "\n"))
        #expect(try m("^$", ""))
        // An assertion that fails where the search begins does not end it.
        #expect(try m("\\bfoo", "  foo") && m("$", "ab") && m("\\Bb", "ab") && !m("\\Ba", "ab"))
    }

    /// Leftmost-first positions, as Go's FindStringIndex and FindAllStringIndex.
    @Test func findsWhereGoFinds() throws {
        func find(_ p: String, _ s: String) throws -> [Int]? {
            try LinearRegex(p).firstMatch(in: Array(s.unicodeScalars)).map { [$0.lowerBound, $0.upperBound] }
        }
        #expect(try find("b+", "aabbbcc") == [2, 5])
        #expect(try find("a|ab", "ab") == [0, 1] && find("ab|a", "ab") == [0, 2])
        #expect(try find("a*?b", "aaab") == [0, 4] && find("a+?", "aaa") == [0, 1])
        #expect(try find("x*", "abc") == [0, 0] && find("\\bfoo", "  foo") == [2, 5] && find("z", "abc") == nil)
        let all = try LinearRegex("a*").allMatches(in: Array("baaab".unicodeScalars)).map { [$0.lowerBound, $0.upperBound] }
        #expect(all == [[0, 0], [1, 4], [5, 5]])
    }

    @Test func refusesWhatRE2Refuses() {
        for p in ["(", "a)", "[a-", "*a", "a**", "\\1", "(?=x)", "a{1001}", "[z-a]", "\\pL"] {
            #expect(throws: LinearRegex.SyntaxError.self, "\(p)") { try LinearRegex(p) }
        }
        #expect(throws: LinearRegex.SyntaxError.self) { try LinearRegex("((a{1000}){1000}){1000}") }
    }

    /// A pattern that takes a backtracking engine exponential time finishes at once.
    @Test func pathologicalPatternsRunInLinearTime() throws {
        let r = try LinearRegex("^(a+)+$")
        let s = String(repeating: "a", count: 5000) + "b"
        #expect(!r.matches(s))
        #expect(r.matches(String(repeating: "a", count: 5000)))
        let nested = try LinearRegex("^((a|aa)*)*c$")
        #expect(!nested.matches(String(repeating: "a", count: 3000)))
    }
}
