#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Images
import Synchronization

/// Draws pull progress: one redrawn line with a bar on a terminal, plain
/// lines (one per finished layer) when stdout is a file or pipe.
final class ProgressBar: Sendable {
    let isTerminal = isatty(STDOUT_FILENO) == 1
    let state = Mutex<(layersDone: Int, drawn: Bool)>((-1, false))

    func show(_ p: PullProgress) {
        state.withLock { s in
            if isTerminal {
                let width = 30
                let filled = Int(p.fraction * Double(width))
                let bar = String(repeating: "=", count: filled) + (filled < width ? ">" : "") + String(repeating: " ", count: max(0, width - filled - 1))
                let line = "\(p.image) [\(bar)] \(ImagesCommand.size(p.bytesDone))/\(ImagesCommand.size(p.bytes)) \(p.layersDone)/\(p.layers) layers"
                FileHandle.standardOutput.write(Data(("\r\u{1B}[K" + line).utf8))
                s.drawn = true
            } else if p.layers > 0, p.layersDone != s.layersDone {
                s.layersDone = p.layersDone
                let line = "\(p.image): \(p.layersDone)/\(p.layers) layers, \(ImagesCommand.size(p.bytesDone)) of \(ImagesCommand.size(p.bytes))\n"
                FileHandle.standardOutput.write(Data(line.utf8))
            }
        }
    }

    /// Ends the redrawn line.
    func finish() {
        state.withLock { s in
            if s.drawn { FileHandle.standardOutput.write(Data("\n".utf8)) }
            s.drawn = false
        }
    }
}
