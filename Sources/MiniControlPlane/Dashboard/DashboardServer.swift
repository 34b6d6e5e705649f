import Foundation
import HTTPServing
import NIOHTTP1
import Synchronization

/// The web dashboard at `/dashboard/`: a page, its script and style, and the
/// vendor scripts from Debian's packages. The assets carry no data and are
/// served without credentials; everything the page shows it reads from the
/// API with the token the user logs in with, so RBAC decides what each
/// person sees and may do. `--disable dashboard` leaves it out.
final class DashboardServer: Sendable {
    let vendor: DashboardVendor
    /// `--prometheus-url`: the Prometheus the dashboard's graphs and alerts
    /// come from (through `/dashboard/prometheus/api/v1/…`), nil when none.
    let prometheusURL: String?
    private let cache = Mutex<[String: DashboardVendor.Lookup]>([:])

    init(vendor: DashboardVendor = DashboardVendor(), prometheusURL: String?) {
        self.vendor = vendor
        self.prometheusURL = prometheusURL.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
    }

    /// The Prometheus HTTP API calls the dashboard reads (GET only).
    static let prometheusCalls: Set<String> = ["query", "query_range", "alerts", "rules"]

    /// What a browser may load and reach from the dashboard's pages: only
    /// this server (scripts, styles, the API and its websockets).
    static let securityHeaders: [(String, String)] = [
        ("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            + "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "no-referrer"),
        ("Cache-Control", "no-cache"),
    ]

    /// The asset at `path` (under `/dashboard`), nil for paths that are not assets.
    func asset(_ path: String) -> HTTPResponse? {
        switch path {
        case "/dashboard":
            return HTTPResponse(status: .movedPermanently, headers: ["Location": "/dashboard/"], body: .bytes([]))
        case "/dashboard/", "/dashboard/index.html":
            return Self.page(PackageResources.index_html, "text/html; charset=utf-8")
        case "/dashboard/app.js":
            return Self.page(PackageResources.app_js, "text/javascript; charset=utf-8")
        case "/dashboard/app.css":
            return Self.page(PackageResources.app_css, "text/css; charset=utf-8")
        default:
            break
        }
        guard path.hasPrefix("/dashboard/vendor/") else { return nil }
        let name = String(path.dropFirst("/dashboard/vendor/".count))
        let lookup = cache.withLock { $0[name] } ?? {
            let found = vendor.file(name)
            if case .found = found { cache.withLock { $0[name] = found } }
            return found
        }()
        switch lookup {
        case .found(let bytes, let type):
            return Self.page(bytes, type)
        case .missing(let package):
            return .text("the dashboard's \(name) comes from Debian's \(package) package, which is not installed: apt-get install \(package)\n",
                         status: .notFound)
        case .unknown:
            return .text("no dashboard asset \(name)\n", status: .notFound)
        }
    }

    static func page(_ bytes: [UInt8], _ contentType: String) -> HTTPResponse {
        var headers = HTTPHeaders([("Content-Type", contentType)])
        for (k, v) in securityHeaders { headers.add(name: k, value: v) }
        return HTTPResponse(status: .ok, headers: headers, body: .bytes(bytes))
    }
}
