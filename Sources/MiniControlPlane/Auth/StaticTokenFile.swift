import Foundation

/// Why a token file was refused: the file and the record at fault.
public struct StaticTokenFileError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

/// `--token-auth-file`: upstream's static token CSV, one user per line,
/// `token,user,uid[,"group1,group2"]`. Its users authenticate with
/// `Authorization: Bearer TOKEN` in their groups and `system:authenticated`.
/// Read once at start, as upstream reads it.
public struct StaticTokenFile: Sendable {
    /// The users by token.
    var users: [String: UserInfo]

    /// Reads the file at `path`.
    public static func load(_ path: String) throws(StaticTokenFileError) -> StaticTokenFile {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw StaticTokenFileError(description: "cannot read --token-auth-file \(path): \(error.localizedDescription)")
        }
        return try parse(text, name: path)
    }

    /// Parses the CSV text of a token file.
    static func parse(_ text: String, name: String) throws(StaticTokenFileError) -> StaticTokenFile {
        var users: [String: UserInfo] = [:]
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let record = i + 1
            guard !line.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { continue }
            let fields = try Self.fields(String(line), file: name, record: record)
            guard fields.count >= 3 else {
                throw StaticTokenFileError(description: "token file '\(name)' must have at least 3 columns (token, user name, user uid), found \(fields.count) in record \(record)")
            }
            let token = fields[0], user = fields[1]
            guard !token.isEmpty, !user.isEmpty else {
                throw StaticTokenFileError(description: "token file '\(name)', record \(record): the token and the user name may not be empty")
            }
            var groups = fields.count > 3 ? fields[3].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } : []
            if !groups.contains("system:authenticated") { groups.append("system:authenticated") }
            // A later record with the same token wins, as upstream (which warns).
            users[token] = UserInfo(name: user, groups: groups)
        }
        return StaticTokenFile(users: users)
    }

    /// The fields of one CSV record (RFC 4180 quoting).
    static func fields(_ line: String, file: String, record: Int) throws(StaticTokenFileError) -> [String] {
        var fields: [String] = []
        var field = ""
        var quoted = false
        var chars = Array(line.hasSuffix("\r") ? String(line.dropLast()) : line)[...]
        while let c = chars.popFirst() {
            if quoted {
                if c == "\"" {
                    if chars.first == "\"" {
                        field.append("\"")
                        chars.removeFirst()
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(c)
                }
            } else if c == "\"" && field.isEmpty {
                quoted = true
            } else if c == "," {
                fields.append(field)
                field = ""
            } else {
                field.append(c)
            }
        }
        if quoted { throw StaticTokenFileError(description: "token file '\(file)', record \(record): extraneous or missing \" in quoted-field") }
        fields.append(field)
        return fields
    }

    /// The user of a token.
    func user(_ token: String) -> UserInfo? { users[token] }
}
