// swiftkube-fuzz: the project's parsers under libFuzzer (built by
// scripts/fuzz with -DFUZZING and coverage instrumentation), or, in an
// ordinary build, a replayer of inputs:
//
//   swiftkube-fuzz list
//   swiftkube-fuzz replay TARGET FILE...       (ordinary build)
//   swiftkube-fuzz TARGET CORPUS [-max_total_time=N ...]   (scripts/fuzz build)
#if canImport(Glibc)
import Glibc
#endif
import FuzzTargets
import LinuxSystem

func fail(_ message: String) -> Never {
    try? FileIO.writeAll(fd: 2, Array("swiftkube-fuzz: \(message)\n".utf8))
    exit(2)
}

let arguments = CommandLine.arguments
guard arguments.count >= 2 else { fail("usage: swiftkube-fuzz list | replay TARGET FILE... | TARGET CORPUS [libFuzzer flags]") }

if arguments[1] == "list" {
    for target in FuzzTarget.all { print("\(target.name)\t\(target.summary)") }
    exit(0)
}

if arguments[1] == "replay" {
    guard arguments.count >= 3, let target = FuzzTarget.named(arguments[2]) else { fail("replay: name a target (swiftkube-fuzz list)") }
    for path in arguments.dropFirst(3) {
        let bytes = (try? FileIO.readBytes(path)) ?? []
        do { try target.run(bytes); print("\(path): parsed") } catch { print("\(path): \(error)") }
    }
    exit(0)
}

#if FUZZING
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

guard let chosen = FuzzTarget.named(arguments[1]) else { fail("no target \(arguments[1]) (swiftkube-fuzz list)") }
nonisolated(unsafe) var selected = chosen
// The corpus directory starts with the target's seeds.
if arguments.count >= 3, !arguments[2].hasPrefix("-") {
    let corpus = arguments[2]
    try? FileIO.makeDirectories(corpus)
    if ((try? FileIO.listDirectory(corpus)) ?? []).isEmpty {
        for (i, seed) in chosen.seeds.enumerated() { try? FileIO.writeAtomically(corpus + "/seed-\(i)", seed, mode: 0o644) }
    }
}
// libFuzzer sees the program name and everything after the target.
var cArguments: [UnsafeMutablePointer<CChar>?] = ([arguments[0]] + arguments.dropFirst(2)).map { strdup($0) } + [nil]
var argc = Int32(cArguments.count - 1)
let status = cArguments.withUnsafeMutableBufferPointer { buffer -> Int32 in
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = buffer.baseAddress
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in
        try? selected.run(Array(UnsafeBufferPointer(start: data, count: size)))
        return 0
    }
}
exit(status)
#else
fail("this build replays only; scripts/fuzz builds the fuzzer (\(arguments[1]))")
#endif
