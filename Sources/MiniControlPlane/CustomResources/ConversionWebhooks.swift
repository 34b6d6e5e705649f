import Foundation
import KubeAPI

/// Webhook conversion of custom objects, as upstream's `webhookConverter`:
/// objects not already in the wanted version go to the definition's
/// conversion webhook in one ConversionReview v1 (through the admission
/// webhooks' client: a Service's ready endpoint or a URL, TLS verified
/// against `caBundle`, 30 s at most, 3 MiB of answer); the answer must be
/// `Success` with as many objects, each in the wanted version and kind, and
/// only their labels and annotations may differ from the originals'
/// metadata. A failure is a 500 worded as upstream's
/// (`conversion webhook for example.com/v2, Kind=Widget failed: ...`).
extension ResourceStorage {
    /// How long a conversion webhook may take (upstream's fixed timeout).
    static let conversionTimeout: Duration = .seconds(30)

    /// Stored objects (any version of the resource) as `info`'s version serves them.
    func served(_ objects: [JSONValue], _ info: ResourceInfo) async throws(Status) -> [JSONValue] {
        guard let webhook = info.custom?.conversionWebhook else { return objects.map(info.fromStorage) }
        return try await convert(objects, to: info.apiVersion, kind: info.kind, webhook: webhook)
    }

    /// A stored object as `info`'s version serves it.
    func served(_ s: StoredValue, _ info: ResourceInfo) async throws(Status) -> JSONValue {
        guard info.custom?.conversionWebhook != nil else { return try decode(s, info) }
        let stored: JSONValue
        do {
            stored = try StoredObject.decode(s.value, revision: s.modRevision)
        } catch {
            throw APIErrors.internalError("stored \(info.plural) object \(s.key) is corrupt: \(error)")
        }
        return try await served([stored], info)[0]
    }

    /// An object in `info`'s version, in the storage version it is written in.
    func storable(_ object: JSONValue, _ info: ResourceInfo) async throws(Status) -> JSONValue {
        guard let custom = info.custom, let webhook = custom.conversionWebhook else { return info.toStorage(object) }
        return try await convert([object], to: "\(info.group)/\(custom.storageVersion)", kind: info.kind, webhook: webhook)[0]
    }

    func convert(_ objects: [JSONValue], to apiVersion: String, kind: String, webhook: WebhookConversion) async throws(Status) -> [JSONValue] {
        let pending = objects.indices.filter { objects[$0]["apiVersion"]?.stringValue != apiVersion }
        guard !pending.isEmpty else { return objects }
        func failed(_ why: String) -> Status { APIErrors.internalError("conversion webhook for \(apiVersion), Kind=\(kind) failed: \(why)") }
        guard webhook.conversionReviewVersions.contains("v1") else {
            throw failed("no supported conversion review versions in \(webhook.conversionReviewVersions) (this server sends v1)")
        }
        guard let config = webhook.clientConfig else { throw failed("the definition's conversion webhook has no clientConfig") }
        let target: WebhookCaller.Target
        do {
            target = try await WebhookAdmission.target(config, timeout: Self.conversionTimeout, self)
        } catch {
            switch error {
            case .call(let why), .condition(let why): throw failed(why)
            case .denied(let status): throw failed(status.message ?? "denied")
            }
        }
        let uid = UUID().uuidString.lowercased()
        let review = ConversionReview(request: ConversionRequest(uid: uid, desiredAPIVersion: apiVersion, objects: pending.map { objects[$0] }))
        let answer: (status: Int, body: [UInt8])
        do {
            answer = try await conversionCaller.post(target, body: JSONWriter.bytes(KubeCodec.encode(review)), caBundle: config.caBundle,
                                                     timeout: Self.conversionTimeout)
        } catch {
            throw failed(error.description)
        }
        guard (200..<300).contains(answer.status) else { throw failed("the server responded with status \(answer.status)") }
        let response: ConversionResponse
        do {
            let decoded = try JSONValueDecoder.decode(ConversionReview.self, from: JSONParser.parse(answer.body))
            guard let r = decoded.response else { throw failed("no response provided") }
            response = r
        } catch let s as Status {
            throw s
        } catch {
            throw failed("cannot parse the response: \(error)")
        }
        guard response.uid == uid else { throw failed("expected response uid \"\(uid)\", got \"\(response.uid ?? "")\"") }
        guard response.result?.status == "Success" else { throw failed(response.result?.message ?? "the webhook did not answer Success") }
        let converted = response.convertedObjects ?? []
        guard converted.count == pending.count else {
            throw failed("expected \(pending.count) converted objects, got \(converted.count)")
        }
        var out = objects
        for (i, index) in pending.enumerated() {
            var c = converted[i]
            guard c["apiVersion"]?.stringValue == apiVersion else {
                throw failed("invalid converted object at index \(i): invalid apiVersion \"\(c["apiVersion"]?.stringValue ?? "")\", expected \"\(apiVersion)\"")
            }
            guard c["kind"]?.stringValue == objects[index]["kind"]?.stringValue else {
                throw failed("invalid converted object at index \(i): invalid kind \"\(c["kind"]?.stringValue ?? "")\"")
            }
            // Upstream's restoreObjectMeta: the webhook may change labels and annotations, nothing else of metadata.
            var meta = objects[index]["metadata"] ?? .emptyObject
            for field in ["labels", "annotations"] { meta[field] = c[path: ["metadata", field]] }
            c["metadata"] = meta
            out[index] = c
        }
        return out
    }
}
