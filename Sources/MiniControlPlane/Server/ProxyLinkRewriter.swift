/// Rewrites the links of proxied HTML and redirects so they lead back
/// through the proxy, as kube-apiserver's proxy transport does
/// (`k8s.io/apimachinery/pkg/util/proxy/transport.go`): an absolute path, or
/// a URL on the target itself, gets the proxy's prefix
/// (`/api/v1/namespaces/NS/services/NAME:PORT/proxy`); relative links,
/// links elsewhere, and links already under the prefix stay as they are.
struct ProxyLinkRewriter: Sendable {
    /// The proxy's path prefix, without a trailing slash.
    let prefix: String
    /// `scheme` and `host:port` of the target: URLs naming it are rewritten.
    let scheme: String
    let authority: String

    /// The largest HTML body rewritten (a larger one passes unchanged).
    static let maxHTMLBytes = 16 << 20

    /// Elements and their URL attributes (upstream's `atomsToAttrs`).
    static let urlAttributes: [String: Set<String>] = [
        "a": ["href"], "applet": ["codebase"], "area": ["href"], "audio": ["src"], "base": ["href"],
        "blockquote": ["cite"], "body": ["background"], "button": ["formaction"], "command": ["icon"], "del": ["cite"],
        "embed": ["src"], "form": ["action"], "frame": ["longdesc", "src"], "head": ["profile"], "html": ["manifest"],
        "iframe": ["longdesc", "src"], "img": ["longdesc", "src", "usemap"], "input": ["src", "usemap", "formaction"],
        "ins": ["cite"], "link": ["href"], "object": ["classid", "codebase", "data", "usemap"], "q": ["cite"],
        "script": ["src"], "source": ["src"], "track": ["src"], "video": ["poster", "src"],
    ]

    /// The rewritten URL, or nil when it stays as it is.
    func rewrite(url: String) -> String? {
        var rest = Substring(url)
        if let colon = rest.firstIndex(of: ":"), rest[..<colon].allSatisfy({ $0.isLetter || $0.isNumber || "+-.".contains($0) }),
           rest[rest.index(after: colon)...].hasPrefix("//") {
            // Absolute: only URLs on the target itself.
            guard rest[..<colon].lowercased() == scheme.lowercased() else { return nil }
            rest = rest[rest.index(colon, offsetBy: 3)...]
            let end = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
            guard rest[..<end].lowercased() == authority.lowercased() else { return nil }
            rest = rest[end...]
            if rest.isEmpty { rest = "/" }
        } else if rest.hasPrefix("//") {
            // Scheme-relative: only the target itself.
            rest = rest.dropFirst(2)
            let end = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
            guard rest[..<end].lowercased() == authority.lowercased() else { return nil }
            rest = rest[end...]
            if rest.isEmpty { rest = "/" }
        }
        guard rest.hasPrefix("/") else { return nil }
        if rest == Substring(prefix) || rest.hasPrefix(prefix + "/") || rest.hasPrefix(prefix + "?") { return nil }
        return prefix + rest
    }

    /// The HTML with its URL attributes rewritten; every other byte as it was.
    func rewriteHTML(_ html: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(html.count + 256)
        var i = 0
        let n = html.count
        func lower(_ b: UInt8) -> UInt8 { b >= 65 && b <= 90 ? b + 32 : b }
        func starts(_ s: String, at j: Int) -> Bool {
            let p = Array(s.utf8)
            guard j + p.count <= n else { return false }
            for k in 0..<p.count where lower(html[j + k]) != p[k] { return false }
            return true
        }
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0C || b == 0x0D }
        func isNameByte(_ b: UInt8) -> Bool { !isSpace(b) && b != UInt8(ascii: ">") && b != UInt8(ascii: "/") && b != UInt8(ascii: "=") }
        // Copies up to and including `end`'s last byte, or to the end.
        func copy(through marker: String, from j: Int) -> Int {
            var k = j
            while k < n && !starts(marker, at: k) { k += 1 }
            let stop = min(n, k + marker.utf8.count)
            out.append(contentsOf: html[i..<stop])
            return stop
        }
        while i < n {
            guard html[i] == UInt8(ascii: "<") else {
                let next = html[i...].firstIndex(of: UInt8(ascii: "<")) ?? n
                out.append(contentsOf: html[i..<next])
                i = next
                continue
            }
            if starts("<!--", at: i) { i = copy(through: "-->", from: i + 4); continue }
            var j = i + 1
            guard j < n, (html[j] >= 65 && html[j] <= 90) || (html[j] >= 97 && html[j] <= 122) else {
                // An end tag, a doctype or a processing instruction: nothing to rewrite.
                i = copy(through: ">", from: j)
                continue
            }
            let nameStart = j
            while j < n && isNameByte(html[j]) { j += 1 }
            let tag = String(decoding: html[nameStart..<j].map(lower), as: UTF8.self)
            let attributes = Self.urlAttributes[tag] ?? []
            out.append(contentsOf: html[i..<j])
            // Attributes up to the tag's end.
            while j < n && html[j] != UInt8(ascii: ">") {
                if !isNameByte(html[j]) {
                    out.append(html[j])
                    j += 1
                    continue
                }
                let attrStart = j
                while j < n && isNameByte(html[j]) { j += 1 }
                let attr = String(decoding: html[attrStart..<j].map(lower), as: UTF8.self)
                out.append(contentsOf: html[attrStart..<j])
                var k = j
                while k < n && isSpace(html[k]) { k += 1 }
                guard k < n, html[k] == UInt8(ascii: "=") else { continue }
                k += 1
                while k < n && isSpace(html[k]) { k += 1 }
                out.append(contentsOf: html[j..<k])
                j = k
                guard j < n else { break }
                let quote: UInt8? = html[j] == UInt8(ascii: "\"") || html[j] == UInt8(ascii: "'") ? html[j] : nil
                let valueStart = quote == nil ? j : j + 1
                var valueEnd = valueStart
                while valueEnd < n && (quote.map { html[valueEnd] != $0 } ?? !(isSpace(html[valueEnd]) || html[valueEnd] == UInt8(ascii: ">"))) {
                    valueEnd += 1
                }
                if let quote { out.append(quote) }
                let value = String(decoding: html[valueStart..<valueEnd], as: UTF8.self)
                if attributes.contains(attr), let rewritten = rewrite(url: value) {
                    out.append(contentsOf: Array(rewritten.utf8))
                } else {
                    out.append(contentsOf: html[valueStart..<valueEnd])
                }
                j = valueEnd
                if quote != nil, j < n {
                    out.append(html[j])
                    j += 1
                }
            }
            if j < n {
                out.append(html[j])
                j += 1
            }
            i = j
            // Raw text elements: their content is not markup.
            if tag == "script" || tag == "style" { i = copy(through: "</\(tag)", from: i) }
        }
        return out
    }
}
