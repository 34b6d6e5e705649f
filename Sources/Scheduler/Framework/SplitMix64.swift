/// A small, fast pseudo-random generator (SplitMix64) for breaking ties
/// between equally scored nodes. `SystemRandomNumberGenerator` asks the
/// kernel for every number (a `getrandom` call), which showed up in profiles
/// when hundreds of nodes tie; ties need spread, not secrecy.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator starting from `seed`; the same seed gives the same sequence.
    public init(seed: UInt64) { state = seed }

    /// A generator seeded from the system's generator.
    public init() {
        var system = SystemRandomNumberGenerator()
        state = system.next()
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
