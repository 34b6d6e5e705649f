import ArgumentParser
import Runtime
import FoundationEssentials
import LinuxSystem

struct SpecCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "spec", abstract: "Write a default config.json into the bundle.")
    @OptionGroup var globals: GlobalOptions
    @Option(name: [.short, .long], help: "Bundle directory.") var bundle: String = "."

    func run() throws {
        try globals.perform { _ in
            let path = bundle + "/config.json"
            if FileIO.exists(path) {
                throw RuntimeError.other("\(path) exists; remove it first")
            }
            try FileIO.writeAtomically(path, Array(try JSON.pretty(Spec.defaultConfig())), mode: 0o644)
        }
    }
}

enum JSON {
    static func pretty<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value) + Data("\n".utf8)
    }

    static func compact<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
