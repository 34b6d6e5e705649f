/// imagePullPolicy as Kubernetes applies it: `Always` for images tagged
/// `:latest` or not tagged at all (unless pinned by digest), `IfNotPresent`
/// otherwise; the API server defaults it, static pods may not have it.
public enum ImagePullPolicy: String, Sendable, Equatable {
    case always = "Always"
    case ifNotPresent = "IfNotPresent"
    case never = "Never"

    /// The policy for `image` given the container's field.
    public static func effective(_ field: String?, image: String) -> ImagePullPolicy {
        if let field, let policy = ImagePullPolicy(rawValue: field) { return policy }
        return defaultPolicy(image: image)
    }

    /// The default rule: `:latest` or no tag (and no digest) → Always.
    public static func defaultPolicy(image: String) -> ImagePullPolicy {
        if image.contains("@") { return .ifNotPresent }
        let last = image.split(separator: "/").last ?? ""
        guard let colon = last.lastIndex(of: ":") else { return .always }
        return last[last.index(after: colon)...] == "latest" ? .always : .ifNotPresent
    }

    /// What to do given whether the image is in the store.
    public enum Action: Sendable, Equatable {
        case use, pull, refuse
    }

    public func action(present: Bool) -> Action {
        switch self {
        case .always: return .pull
        case .ifNotPresent: return present ? .use : .pull
        case .never: return present ? .use : .refuse
        }
    }
}
