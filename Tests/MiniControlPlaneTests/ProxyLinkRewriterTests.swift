import Testing
@testable import MiniControlPlane

/// Links in proxied HTML and redirects lead back through the proxy, as
/// kube-apiserver's proxy transport rewrites them.
@Suite struct ProxyLinkRewriterTests {
    let links = ProxyLinkRewriter(prefix: "/api/v1/namespaces/default/services/web:80/proxy", scheme: "http", authority: "10.244.1.5:8080")

    @Test func urlsOnTheTargetGainThePrefix() {
        let p = links.prefix
        #expect(links.rewrite(url: "/") == p + "/")
        #expect(links.rewrite(url: "/static/app.js?v=2#top") == p + "/static/app.js?v=2#top")
        #expect(links.rewrite(url: "http://10.244.1.5:8080/graph") == p + "/graph")
        #expect(links.rewrite(url: "http://10.244.1.5:8080") == p + "/")
        #expect(links.rewrite(url: "//10.244.1.5:8080/x") == p + "/x")
        // Relative links, other hosts and schemes, and links already proxied stay.
        #expect(links.rewrite(url: "graph") == nil)
        #expect(links.rewrite(url: "../up") == nil)
        #expect(links.rewrite(url: "http://example.com/x") == nil)
        #expect(links.rewrite(url: "https://10.244.1.5:8080/x") == nil)
        #expect(links.rewrite(url: "mailto:someone@example.com") == nil)
        #expect(links.rewrite(url: p + "/already") == nil)
    }

    @Test func htmlAttributesAreRewrittenAndEverythingElseKept() {
        let p = links.prefix
        let html = """
            <!DOCTYPE html><html><head><link rel=stylesheet href=/s.css><base href="/"></head>
            <body><!-- <a href="/in-comment"> --><A HREF='/Upper'>x</A> <a href="rel.html" title="/not-a-link">y</a>
            <img src = "/logo.png" alt="/logo"><form action="/login" method=post><input disabled src="/i.png"></form>
            <script src="/app.js"></script><script>var s = "<a href='/in-script'>";</script>
            <a href="http://example.com/">out</a></body></html>
            """
        let out = String(decoding: links.rewriteHTML(Array(html.utf8)), as: UTF8.self)
        let expected = """
            <!DOCTYPE html><html><head><link rel=stylesheet href=\(p)/s.css><base href="\(p)/"></head>
            <body><!-- <a href="/in-comment"> --><A HREF='\(p)/Upper'>x</A> <a href="rel.html" title="/not-a-link">y</a>
            <img src = "\(p)/logo.png" alt="/logo"><form action="\(p)/login" method=post><input disabled src="\(p)/i.png"></form>
            <script src="\(p)/app.js"></script><script>var s = "<a href='/in-script'>";</script>
            <a href="http://example.com/">out</a></body></html>
            """
        #expect(out == expected)
        // Broken markup passes through.
        for broken in ["<a href=\"/x", "<", "<a", "text < more", "<a href=/x"] {
            #expect(!links.rewriteHTML(Array(broken.utf8)).isEmpty)
        }
    }
}
