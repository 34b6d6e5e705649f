import Synchronization
import Testing
@testable import KubeAPI

/// The CEL evaluator: CEL's semantics, Kubernetes' libraries, and the cost limit.
@Suite struct CELTests {
    func eval(_ source: String, _ bindings: [String: CELValue] = [:], limit: Int64 = CELEvaluator.perCallLimit) throws -> CELValue {
        let e = try CELParser.parse(source, variables: Set(bindings.keys))
        var ev = CELEvaluator(bindings: bindings, costLimit: limit)
        return try ev.evaluate(e)
    }

    func failure(_ source: String, _ bindings: [String: CELValue] = [:], limit: Int64 = CELEvaluator.perCallLimit) -> String? {
        do {
            _ = try eval(source, bindings, limit: limit)
            return nil
        } catch {
            return "\(error)"
        }
    }

    static let obj = CELValue(["spec": ["replicas": 3, "min": 1, "max": 5, "name": "web-1", "tags": ["a", "b"],
                                         "ports": [["name": "http", "port": 80], ["name": "https", "port": 443]]]])

    @Test func arithmeticComparisonAndLogic() throws {
        #expect(try eval("1 + 2 * 3 - 4 / 2 % 3") == .int(5))
        #expect(try eval("2.5 * 2.0") == .double(5))
        #expect(try eval("1 == 1.0 && 2u > 1 && 'a' < 'b' && [1, 2] == [1, 2] && {'a': 1} == {'a': 1}") == .bool(true))
        #expect(try eval("true ? 'x' : 'y'") == .string("x"))
        #expect(try eval("!(1 in [2, 3]) && 'a' in {'a': 1}") == .bool(true))
        #expect(try eval("-9223372036854775808") == .int(.min))
        #expect(try eval("0x10 + 1u == 17u || true") == .bool(true))
        #expect(try eval(#"'a\tb' + r'\t' + """x""" + ''"#) == .string("a\tb\\tx"))
        #expect(failure("9223372036854775807 + 1") == "integer overflow")
        #expect(try eval("string(1e300) == '1e+300' && string(2.0) == '2'") == .bool(true))
        #expect(failure("1 / 0") == "division by zero")
        #expect(failure("1 + 'a'")?.hasPrefix("no such overload") == true)
    }

    /// Errors are values `&&` and `||` can step over, in either order.
    @Test func logicAbsorbsErrors() throws {
        #expect(try eval("1/0 == 1 || true") == .bool(true))
        #expect(try eval("false && 1/0 == 1") == .bool(false))
        #expect(try eval("1/0 == 1 && false") == .bool(false))
        #expect(failure("1/0 == 1 && true") == "division by zero")
    }

    @Test func fieldsMacrosAndLibraries() throws {
        let b = ["self": Self.obj]
        #expect(try eval("self.spec.min <= self.spec.replicas && self.spec.replicas <= self.spec.max", b) == .bool(true))
        #expect(try eval("has(self.spec.tags) && !has(self.spec.missing)", b) == .bool(true))
        #expect(try eval("self.spec.ports.all(p, p.port > 0) && self.spec.ports.exists(p, p.name == 'https')", b) == .bool(true))
        #expect(try eval("self.spec.ports.exists_one(p, p.port < 100)", b) == .bool(true))
        #expect(try eval("self.spec.ports.map(p, p.port)", b) == .list([.int(80), .int(443)]))
        #expect(try eval("self.spec.ports.map(p, p.port > 100, p.name)", b) == .list([.string("https")]))
        #expect(try eval("self.spec.ports.filter(p, p.port > 100).size()", b) == .int(1))
        #expect(try eval("size(self.spec.tags) == 2 && self.spec.tags[1] == 'b'", b) == .bool(true))
        #expect(try eval("self.spec.name.matches('^[a-z]+-[0-9]+$') && self.spec.name.startsWith('web')", b) == .bool(true))
        #expect(try eval("self.spec.name.split('-') == ['web', '1'] && ['a','b'].join(',') == 'a,b'", b) == .bool(true))
        #expect(try eval("'ABc'.lowerAscii() == 'abc' && 'hello'.indexOf('l') == 2 && 'hello'.substring(1, 3) == 'el'") == .bool(true))
        #expect(try eval("[1, 2, 3].isSorted() && [1, 2, 3].sum() == 6 && [3, 1].min() == 1") == .bool(true))
        #expect(try eval("int('42') + int(2.9) == 44 && string(1.5) == '1.5' && double(2) == 2.0") == .bool(true))
        #expect(try eval("duration('1h30m') > duration('90s') && timestamp('2026-12-07T10:00:00Z') < timestamp('2026-12-07T10:00:01Z')") == .bool(true))
        #expect(try eval("timestamp('2026-12-07T10:00:00Z') + duration('1h') == timestamp('2026-12-07T11:00:00Z')") == .bool(true))
        #expect(failure("self.spec.nope", b) == "no such key: nope")
        #expect(failure("self.spec.tags[5]", b) == "index out of bounds: 5")
    }

    /// Kubernetes' IP, CIDR, URL, quantity and sets libraries and `format`,
    /// with the examples of upstream's documentation.
    @Test func networkURLQuantityAndSetsLibraries() throws {
        #expect(try eval("isIP('127.0.0.1') && isIP('::1') && !isIP('1.2.3') && !isIP('01.2.3.4') && !isIP('::ffff:1.2.3.4')") == .bool(true))
        #expect(try eval("ip('127.0.0.1').family() == 4 && ip('::1').family() == 6 && ip('::1').isLoopback()") == .bool(true))
        #expect(try eval("ip('0.0.0.0').isUnspecified() && ip('fe80::1').isLinkLocalUnicast() && ip('224.0.0.1').isLinkLocalMulticast()") == .bool(true))
        #expect(try eval("ip('10.0.0.1').isGlobalUnicast() && !ip('255.255.255.255').isGlobalUnicast() && !ip('127.0.0.1').isGlobalUnicast()") == .bool(true))
        #expect(try eval("ip.isCanonical('2001:db8::1') && !ip.isCanonical('2001:DB8::1') && !ip.isCanonical('2001:db8:0:0:0:0:0:1')") == .bool(true))
        #expect(try eval("string(ip('2001:db8:0:0:1:0:0:1')) == '2001:db8::1:0:0:1' && ip('1.2.3.4') == ip('1.2.3.4')") == .bool(true))
        #expect(failure("ip('1.2.3.4%eth0')") == #"IP address "1.2.3.4%eth0" with zone value is not allowed"#)
        #expect(failure("ip('::ffff:1.2.3.4')") == #"IPv4-mapped IPv6 address "::ffff:1.2.3.4" is not allowed"#)
        #expect(failure("ip('nope')")?.hasPrefix(#"IP Address "nope" parse error during conversion from string"#) == true)

        #expect(try eval("isCIDR('192.168.0.0/16') && !isCIDR('192.168.0.0') && !isCIDR('10.0.0.0/33')") == .bool(true))
        #expect(try eval("cidr('192.168.0.0/24').containsIP(ip('192.168.0.1')) && !cidr('192.168.0.0/24').containsIP('192.168.1.1')") == .bool(true))
        #expect(try eval("cidr('192.168.0.0/16').containsCIDR('192.168.10.0/24') && !cidr('192.168.0.0/24').containsCIDR(cidr('192.168.0.0/16'))") == .bool(true))
        #expect(try eval("cidr('192.168.0.1/24').ip() == ip('192.168.0.1') && cidr('192.168.0.1/24').masked() == cidr('192.168.0.0/24')") == .bool(true))
        #expect(try eval("cidr('::1/128').prefixLength() == 128 && string(cidr('192.168.0.1/24').masked()) == '192.168.0.0/24'") == .bool(true))
        #expect(try eval("!cidr('10.0.0.0/8').containsIP('::1') && !isIP('::1\\u0000x')") == .bool(true))
        #expect(failure("cidr('::ffff:1.2.3.4/120')") == #"IPv4-mapped IPv6 address "::ffff:1.2.3.4" is not allowed"#)

        #expect(try eval("url('https://example.com:80/').getHost() == 'example.com:80'") == .bool(true))
        #expect(try eval("url('https://example.com/path with spaces/').getEscapedPath() == '/path%20with%20spaces/'") == .bool(true))
        #expect(try eval("url('https://user@[::1]:8443/a?x=1&x=2&y=a+b#frag').getHostname() == '::1'") == .bool(true))
        #expect(try eval("url('https://[::1]:8443/').getPort() == '8443' && url('https://example.com/').getPort() == ''") == .bool(true))
        #expect(try eval("url('https://e.com/a?x=1&x=2&y=a+b#f').getQuery() == {'x': ['1', '2'], 'y': ['a b']}") == .bool(true))
        #expect(try eval("url('HTTPS://e.com').getScheme() == 'https' && url('/just/a/path').getHost() == ''") == .bool(true))
        #expect(try eval("isURL('https://example.com') && isURL('/absolute') && !isURL('example.com') && isURL('mailto:x@y')") == .bool(true))
        #expect(try eval("!isURL('https://h#f') && isURL('https://h/p#f') && !isURL('/a%+Fb') && url('mailto:x@y').getHost() == ''") == .bool(true))
        #expect(failure("url('https://example.com:port/')") == #"URL parse error during conversion from string: parse "https://example.com:port/": invalid port ":port" after host"#)

        #expect(try eval("quantity('500000G').isInteger() && quantity('50k').asInteger() == 50000 && !quantity('1.5').isInteger()") == .bool(true))
        #expect(try eval("quantity('50k').add('20k') == quantity('70k') && quantity('50k').sub(20000) == quantity('30k')") == .bool(true))
        #expect(try eval("quantity('50k').add(20).sub(quantity('100k')).sub(-50000) == quantity('20')") == .bool(true))
        #expect(try eval("quantity('200M').compareTo(quantity('0.2G')) == 0 && quantity('150Mi').isGreaterThan(quantity('100Mi'))") == .bool(true))
        #expect(try eval("quantity('50M').isLessThan(quantity('100M')) && quantity('-1').sign() == -1 && isQuantity('1Gi') && !isQuantity('1GB')") == .bool(true))
        #expect(try eval("quantity('1.5Gi').asApproximateFloat() == 1610612736.0") == .bool(true))
        #expect(failure("quantity('1.5').asInteger()") == "cannot convert value to integer")
        #expect(failure("quantity('x')") == "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")

        #expect(try eval("sets.contains([1, 2, 3], [2, 3]) && !sets.contains([1], [2]) && sets.contains([1], [])") == .bool(true))
        #expect(try eval("sets.equivalent([1, 2], [2, 1, 1]) && sets.intersects([1, 2], [2, 5]) && !sets.intersects([1], [])") == .bool(true))

        #expect(try eval("'%s has %d replicas (%.2f%%), mask %x'.format(['web', 3, 12.345, 255])") == .string("web has 3 replicas (12.35%), mask ff"))
        #expect(try eval("'%s and %s'.format([ip('::1'), [1, 2]])") == .string("::1 and [1, 2]"))
        #expect(failure("'%d'.format(['a'])")?.hasPrefix("could not parse formatting clause") == true)
    }

    /// CEL's optional syntax (`a.?b`, `a[?k]`) and the timestamp accessors.
    @Test func optionalSelectionAndTimestampAccessors() throws {
        let b = ["self": Self.obj]
        #expect(try eval("self.spec.?replicas.orValue(0) == 3 && self.spec.?missing.orValue(7) == 7", b) == .bool(true))
        #expect(try eval("!self.spec.?missing.deeper.hasValue() && self.?spec.?name.value() == 'web-1'", b) == .bool(true))
        #expect(try eval("self.spec.tags[?1] == optional.of('b') && !self.spec.tags[?5].hasValue() && {'a': 1}[?'a'].value() == 1", b) == .bool(true))
        #expect(try eval("optional.ofNonZeroValue('').orValue('empty') == 'empty' && optional.none().or(optional.of(2)).value() == 2", b) == .bool(true))
        #expect(failure("self.spec.?missing.value()", b) != nil)
        #expect(try eval("[1, ?self.spec.?missing, ?optional.of(2)] == [1, 2] && {'a': 1, ?'b': self.spec.?missing, ?'c': self.spec.?min} == {'a': 1, 'c': 1}", b) == .bool(true))
        #expect(failure("[?1]")?.hasPrefix("no such overload") == true)
        let t = "timestamp('2026-12-07T23:30:15.250Z')"
        #expect(try eval("\(t).getFullYear() == 2026 && \(t).getMonth() == 11 && \(t).getDate() == 7 && \(t).getDayOfMonth() == 6") == .bool(true))
        #expect(try eval("\(t).getDayOfWeek() == 1 && \(t).getDayOfYear() == 340 && \(t).getHours() == 23 && \(t).getMinutes() == 30") == .bool(true))
        #expect(try eval("\(t).getSeconds() == 15 && \(t).getMilliseconds() == 250") == .bool(true))
        #expect(try eval("\(t).getHours('+02:00') == 1 && \(t).getDate('Europe/Berlin') == 8 && \(t).getHours('America/New_York') == 18") == .bool(true))
        #expect(failure("\(t).getHours('Nowhere/Special')") == "unknown time zone: Nowhere/Special")
        #expect(try eval("\(t).getHours('05:30') == 5 && \(t).getHours('') == 23 && \(t).getMinutes('-01:45') == 45") == .bool(true))
        // Proleptic Gregorian before 1582, as Go's time package.
        #expect(try eval("timestamp('0001-01-01T00:00:00Z').getDayOfMonth() == 0 && timestamp('0001-01-01T00:00:00Z').getDayOfWeek() == 1") == .bool(true))
        #expect(try eval("timestamp('1969-12-31T23:59:59Z').getFullYear() == 1969 && timestamp('2024-12-31T12:00:00Z').getDayOfYear() == 365") == .bool(true))
    }

    /// The authorizer library builds checks and hands them to the server's authorizer.
    @Test func authorizerChecksReachTheAuthorizer() throws {
        let authorizer = CELValue.object(.authz(CELAuthzCheck(requestGroup: "apps", resource: "deployments", subresource: "scale",
                                                              namespace: "ns", name: "web")))
        let asked = Mutex<[String]>([])
        func check(_ source: String) throws -> CELValue {
            var ev = CELEvaluator(bindings: ["authorizer": authorizer])
            ev.authorize = { c, verb in
                let line = "\(c.serviceAccount ?? "-") \(verb) \(c.group)/\(c.resource)/\(c.subresource) \(c.namespace)/\(c.name) \(c.path)"
                asked.withLock { $0.append(line) }
                return CELAuthzDecision(allowed: c.stage != .path, reason: "RBAC: allowed")
            }
            return try ev.evaluate(try CELParser.parse(source, variables: ["authorizer"]))
        }
        #expect(try check("authorizer.group('').resource('pods').namespace('ns').name('p').check('delete').allowed()") == .bool(true))
        #expect(try check("authorizer.requestResource.check('update').reason() == 'RBAC: allowed' && !authorizer.path('/healthz').check('GET').allowed()") == .bool(true))
        #expect(try check("authorizer.serviceAccount('kube-system', 'robot').group('apps').resource('deployments').check('list').allowed()") == .bool(true))
        #expect(asked.withLock { $0 } == ["- delete /pods/ ns/p ", "- update apps/deployments/scale ns/web ", "- get // / /healthz",
                                          "kube-system/robot list apps/deployments/ / "])
        // Each check costs what upstream charges: two per expression at most.
        #expect(throws: CELEvaluator.Failure.costExceeded) {
            try check("[1, 2, 3].exists(i, authorizer.path('/x').check('get').reason() == 'nope')")
        }
        var none = CELEvaluator(bindings: ["authorizer": authorizer])
        #expect(throws: CELEvaluator.Failure.self) { try none.evaluate(try CELParser.parse("authorizer.path('/x').check('get').allowed()", variables: ["authorizer"])) }
    }

    /// The regex library's `find` and `findAll`, leftmost-first as Go's
    /// regexp (upstream's documented examples among them).
    @Test func regexFindAndFindAll() throws {
        #expect(try eval("'abc 123'.find('[0-9]+') == '123' && 'abc'.find('[0-9]+') == ''") == .bool(true))
        #expect(try eval("'1, 2, 3, 4'.findAll('[0-9]+').map(x, int(x)).sum() < 100") == .bool(true))
        #expect(try eval("'1, 2, 3, 4'.findAll('[0-9]+', 2) == ['1', '2'] && 'a'.findAll('a', 0) == []") == .bool(true))
        // Preference: the first alternative, greedy and lazy repetition; empty matches as Go's FindAllString.
        #expect(try eval("'abcd'.find('ab|abcd') == 'ab' && 'aaa'.find('a+') == 'aaa' && 'aaa'.find('a+?') == 'a'") == .bool(true))
        #expect(try eval("'<a><b>'.find('<.*>') == '<a><b>' && '<a><b>'.find('<.*?>') == '<a>'") == .bool(true))
        #expect(try eval("'abc'.findAll('x*') == ['', '', '', ''] && 'xax'.findAll('x*') == ['x', 'x']") == .bool(true))
        // Each search may rescan to the end (as Go's): past one pass it is charged, and stops at the limit.
        let long = CELValue.string(String(repeating: "x", count: 2_000))
        let slow = "x*y|x|" + String(repeating: "z", count: 100)
        #expect(failure("self.findAll('\(slow)').size() > 0", ["self": long]) == "operation cancelled: actual cost limit exceeded")
        #expect(try eval("self.findAll('x').size() == 2000", ["self": long]) == .bool(true))
        // A leading assertion that fails at first does not stop the search (Go's MatchString and FindString).
        #expect(try eval("'  foo'.matches('\\\\bfoo') && 'ab'.matches('$') && '  foo'.find('\\\\bfoo') == 'foo' && 'ab'.findAll('$') == ['']") == .bool(true))
        #expect(try eval("'héllo wörld'.findAll('[^ ]+') == ['héllo', 'wörld'] && 'ab ab'.findAll('\\\\bab') == ['ab', 'ab']") == .bool(true))
    }

    @Test func compileErrorsNameWhatIsWrong() {
        #expect(throws: CELCompileError.self) { try CELParser.parse("self.x >", variables: ["self"]) }
        do {
            _ = try CELParser.parse("foo.bar == 1", variables: ["self"])
            Issue.record("compiled")
        } catch {
            #expect(error.description == "ERROR: <input>:1:1: undeclared reference to 'foo' (in container '')")
        }
        #expect(throws: CELCompileError.self) { try CELParser.parse("self.nosuchfn()", variables: ["self"]) }
        #expect(throws: CELCompileError.self) { try CELParser.parse(String(repeating: "(", count: 500) + "1" + String(repeating: ")", count: 500), variables: []) }
    }

    /// A rule that would run for ever stops at the cost limit.
    @Test func costLimitStopsRunawayRules() {
        let big = CELValue.list(Array(repeating: .int(1), count: 2000))
        #expect(failure("self.all(a, self.all(b, self.all(c, a + b + c > 0)))", ["self": big]) == "operation cancelled: actual cost limit exceeded")
        #expect(failure("self.all(a, true)", ["self": big], limit: 100) == "operation cancelled: actual cost limit exceeded")
    }

    static let ruled: JSONValue = [
        "type": "object",
        "properties": [
            "spec": [
                "type": "object",
                "x-kubernetes-validations": [
                    ["rule": "self.min <= self.max", "message": "min must not exceed max"],
                    ["rule": "self.max <= 100", "messageExpression": "'max is ' + string(self.max) + ', over 100'"],
                    ["rule": "self.mode == oldSelf.mode", "message": "mode is immutable", "reason": "FieldValueForbidden", "fieldPath": ".mode"],
                ],
                "properties": [
                    "min": ["type": "integer"], "max": ["type": "integer"], "mode": ["type": "string"],
                    "items": ["type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"],
                              "items": ["type": "object", "required": ["name"],
                                        "x-kubernetes-validations": [["rule": "self.size >= oldSelf.size", "message": "items may only grow"]],
                                        "properties": ["name": ["type": "string"], "size": ["type": "integer"]]]],
                ],
            ],
        ],
    ]

    @Test func schemaRulesWithMessagesTransitionsAndFieldPaths() throws {
        let (s, errs) = StructuralSchema.parse(Self.ruled, path: "s")
        #expect(errs.isEmpty, "\(errs)")
        let schema = try #require(s)
        let ok: JSONValue = ["spec": ["min": 1, "max": 5, "mode": "a", "items": [["name": "x", "size": 2]]]]
        #expect(schema.validateRules(ok, old: nil).isEmpty)
        let bad: JSONValue = ["spec": ["min": 600, "max": 500, "mode": "b", "items": [["name": "x", "size": 1]]]]
        #expect(schema.validateRules(bad, old: nil).map(\.description) == [
            "spec: Invalid value: min must not exceed max",
            "spec: Invalid value: max is 500, over 100",
        ])
        #expect(schema.validateRules(bad, old: ok).map(\.description) == [
            "spec: Invalid value: min must not exceed max",
            "spec: Invalid value: max is 500, over 100",
            "spec.mode: Forbidden: mode is immutable",
            "spec.items[0]: Invalid value: items may only grow",
        ])
    }

    @Test func rulesThatDoNotCompileRefuseTheDefinition() {
        let errs = StructuralSchema.parse(["type": "object", "x-kubernetes-validations": [["rule": "self.a >"], ["rule": "self.a", "reason": "Nope"]]],
                                          path: "s").errors.map(\.description)
        #expect(errs.count == 2)
        #expect(errs.first?.hasPrefix(#"s.x-kubernetes-validations[0].rule: Invalid value: "self.a >": compilation failed: ERROR: <input>:1:9: Syntax error:"#) == true, "\(errs)")
        #expect(errs.last == #"s.x-kubernetes-validations[1].reason: Unsupported value: "Nope": supported values: "FieldValueRequired", "FieldValueForbidden", "FieldValueInvalid", "FieldValueDuplicate""#)
    }
}
