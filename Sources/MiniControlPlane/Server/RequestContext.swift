/// What the storage layer may know about the request it serves, as
/// upstream's request context: set by ``APIHandler`` once a request is
/// authenticated, absent for the API server's own writes (bootstrap,
/// controllers), which are trusted.
enum RequestContext {
    /// The authenticated (possibly impersonated) user.
    @TaskLocal static var user: UserInfo?
}
