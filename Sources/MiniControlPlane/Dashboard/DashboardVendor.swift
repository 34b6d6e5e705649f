import Foundation

/// The dashboard's third-party scripts, from Debian's packages, never from
/// the internet: Chart.js (`libjs-chart.js`) and xterm.js (`node-xterm`).
///
/// Debian 12's browser bundle of xterm.js (`libjs-xterm`,
/// `/usr/share/javascript/xterm/xterm.js`) is a 288-byte stub whose modules
/// the package build dropped; `node-xterm` has the same release's CommonJS
/// modules whole, so they are joined here into one script behind a small
/// `require` that resolves the modules' relative paths, exposing
/// `window.Terminal`.
struct DashboardVendor: Sendable {
    /// Where Debian puts browser libraries and Node modules.
    var javascriptRoot = "/usr/share/javascript"
    var nodeRoot = "/usr/share/nodejs"

    /// A vendor file by its dashboard name, or why it is missing (the package to install).
    enum Lookup: Sendable {
        case found(bytes: [UInt8], contentType: String)
        case missing(package: String)
        case unknown
    }

    func file(_ name: String) -> Lookup {
        switch name {
        case "chart.js":
            return read(javascriptRoot + "/chart.js/chart.min.js", "text/javascript; charset=utf-8", package: "libjs-chart.js")
        case "xterm.css":
            return read(nodeRoot + "/xterm/lib/xterm.css", "text/css; charset=utf-8", package: "node-xterm")
        case "xterm.js":
            guard let script = xtermBundle() else { return .missing(package: "node-xterm") }
            return .found(bytes: Array(script.utf8), contentType: "text/javascript; charset=utf-8")
        default:
            return .unknown
        }
    }

    private func read(_ path: String, _ type: String, package: String) -> Lookup {
        guard let data = FileManager.default.contents(atPath: path) else { return .missing(package: package) }
        return .found(bytes: Array(data), contentType: type)
    }

    /// node-xterm's modules (tests left out) as one script: each module is a
    /// function in a table keyed by its path under `lib/`, and `require`
    /// resolves `./` and `../` against the requiring module's directory.
    func xtermBundle() -> String? {
        let lib = nodeRoot + "/xterm/lib"
        guard let walker = FileManager.default.enumerator(atPath: lib) else { return nil }
        var modules: [(String, String)] = []
        for case let relative as String in walker where relative.hasSuffix(".js") && !relative.hasSuffix(".test.js") {
            guard let data = FileManager.default.contents(atPath: lib + "/" + relative),
                  let source = String(data: data, encoding: .utf8) else { continue }
            modules.append((String(relative.dropLast(3)), source))
        }
        guard modules.contains(where: { $0.0 == "public/Terminal" }) else { return nil }
        var out = "/* xterm.js \(Self.version(nodeRoot + "/xterm/package.json")) from Debian's node-xterm, joined by the dashboard */\n"
        out += "(function () {\n'use strict';\nvar defs = {};\n"
        for (name, source) in modules.sorted(by: { $0.0 < $1.0 }) {
            out += "defs[\(Self.quoted(name))] = function (require, module, exports) {\n\(source)\n};\n"
        }
        out += Self.loader
        return out
    }

    static let loader = """
        var cache = {};
        function resolve(from, path) {
          var parts = from.split('/').slice(0, -1);
          path.split('/').forEach(function (p) {
            if (p === '..') parts.pop(); else if (p !== '.' && p !== '') parts.push(p);
          });
          return parts.join('/');
        }
        function load(name) {
          if (cache[name]) return cache[name].exports;
          var def = defs[name];
          if (!def) throw new Error('xterm bundle: no module ' + name);
          var module = { exports: {} };
          cache[name] = module;
          def(function (path) { return load(resolve(name, path)); }, module, module.exports);
          return module.exports;
        }
        window.Terminal = load('public/Terminal').Terminal;
        })();

        """

    static func quoted(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    static func version(_ packageJSON: String) -> String {
        guard let data = FileManager.default.contents(atPath: packageJSON),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let version = object["version"] as? String else { return "" }
        return version
    }
}
