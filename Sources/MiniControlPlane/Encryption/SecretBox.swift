/// NaCl's `crypto_secretbox` (XSalsa20 and Poly1305), as Go's
/// `golang.org/x/crypto/nacl/secretbox` that kube-apiserver's `secretbox`
/// encryption provider uses: a 32-byte key, a 24-byte nonce, and the 16-byte
/// Poly1305 tag ahead of the ciphertext. swift-crypto offers neither XSalsa20
/// nor Poly1305 alone, so both are here, checked against NaCl's output in
/// the tests.
enum SecretBox {
    static let keySize = 32
    static let nonceSize = 24
    static let overhead = 16

    /// `tag || ciphertext` of `message`.
    static func seal(_ message: [UInt8], nonce: [UInt8], key: [UInt8]) -> [UInt8] {
        precondition(nonce.count == nonceSize && key.count == keySize)
        // The first 32 bytes of the stream key Poly1305; the message takes the rest.
        let stream = XSalsa20.keystream(key: key, nonce: nonce, count: 32 + message.count)
        var ciphertext = [UInt8](repeating: 0, count: message.count)
        for i in 0..<message.count { ciphertext[i] = message[i] ^ stream[32 + i] }
        return Poly1305.tag(ciphertext, key: Array(stream[0..<32])) + ciphertext
    }

    /// The message of `box` (`tag || ciphertext`), nil when it was not
    /// sealed with this key and nonce or was changed.
    static func open(_ box: [UInt8], nonce: [UInt8], key: [UInt8]) -> [UInt8]? {
        precondition(nonce.count == nonceSize && key.count == keySize)
        guard box.count >= overhead else { return nil }
        let ciphertext = Array(box[overhead...])
        let stream = XSalsa20.keystream(key: key, nonce: nonce, count: 32 + ciphertext.count)
        let expected = Poly1305.tag(ciphertext, key: Array(stream[0..<32]))
        var diff: UInt8 = 0
        for i in 0..<overhead { diff |= expected[i] ^ box[i] }
        guard diff == 0 else { return nil }
        var message = [UInt8](repeating: 0, count: ciphertext.count)
        for i in 0..<ciphertext.count { message[i] = ciphertext[i] ^ stream[32 + i] }
        return message
    }
}

/// The XSalsa20 stream cipher: HSalsa20 derives a subkey from the key and
/// the nonce's first 16 bytes; Salsa20 with that subkey and the nonce's
/// last 8 bytes makes the stream.
enum XSalsa20 {
    static let sigma: [UInt32] = [0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574]

    static func le32(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
    }

    static func rotl(_ v: UInt32, _ n: UInt32) -> UInt32 { (v << n) | (v >> (32 - n)) }

    /// Salsa20's 20 rounds over `x` (in place).
    static func rounds(_ x: inout [UInt32]) {
        for _ in 0..<10 {
            x[4] ^= rotl(x[0] &+ x[12], 7); x[8] ^= rotl(x[4] &+ x[0], 9)
            x[12] ^= rotl(x[8] &+ x[4], 13); x[0] ^= rotl(x[12] &+ x[8], 18)
            x[9] ^= rotl(x[5] &+ x[1], 7); x[13] ^= rotl(x[9] &+ x[5], 9)
            x[1] ^= rotl(x[13] &+ x[9], 13); x[5] ^= rotl(x[1] &+ x[13], 18)
            x[14] ^= rotl(x[10] &+ x[6], 7); x[2] ^= rotl(x[14] &+ x[10], 9)
            x[6] ^= rotl(x[2] &+ x[14], 13); x[10] ^= rotl(x[6] &+ x[2], 18)
            x[3] ^= rotl(x[15] &+ x[11], 7); x[7] ^= rotl(x[3] &+ x[15], 9)
            x[11] ^= rotl(x[7] &+ x[3], 13); x[15] ^= rotl(x[11] &+ x[7], 18)
            x[1] ^= rotl(x[0] &+ x[3], 7); x[2] ^= rotl(x[1] &+ x[0], 9)
            x[3] ^= rotl(x[2] &+ x[1], 13); x[0] ^= rotl(x[3] &+ x[2], 18)
            x[6] ^= rotl(x[5] &+ x[4], 7); x[7] ^= rotl(x[6] &+ x[5], 9)
            x[4] ^= rotl(x[7] &+ x[6], 13); x[5] ^= rotl(x[4] &+ x[7], 18)
            x[11] ^= rotl(x[10] &+ x[9], 7); x[8] ^= rotl(x[11] &+ x[10], 9)
            x[9] ^= rotl(x[8] &+ x[11], 13); x[10] ^= rotl(x[9] &+ x[8], 18)
            x[12] ^= rotl(x[15] &+ x[14], 7); x[13] ^= rotl(x[12] &+ x[15], 9)
            x[14] ^= rotl(x[13] &+ x[12], 13); x[15] ^= rotl(x[14] &+ x[13], 18)
        }
    }

    /// The state for a 32-byte key and the four words at positions 6–9.
    static func state(key: [UInt8], middle: [UInt32]) -> [UInt32] {
        [sigma[0], le32(key, 0), le32(key, 4), le32(key, 8), le32(key, 12), sigma[1], middle[0], middle[1],
         middle[2], middle[3], sigma[2], le32(key, 16), le32(key, 20), le32(key, 24), le32(key, 28), sigma[3]]
    }

    /// HSalsa20: a subkey from `key` and 16 bytes of nonce.
    static func hsalsa20(key: [UInt8], nonce: [UInt8]) -> [UInt8] {
        var x = state(key: key, middle: [le32(nonce, 0), le32(nonce, 4), le32(nonce, 8), le32(nonce, 12)])
        rounds(&x)
        var out: [UInt8] = []
        out.reserveCapacity(32)
        for i in [0, 5, 10, 15, 6, 7, 8, 9] {
            let w = x[i]
            out += [UInt8(truncatingIfNeeded: w), UInt8(truncatingIfNeeded: w >> 8), UInt8(truncatingIfNeeded: w >> 16), UInt8(truncatingIfNeeded: w >> 24)]
        }
        return out
    }

    /// The first `count` bytes of the XSalsa20 stream of `key` and a 24-byte `nonce`.
    static func keystream(key: [UInt8], nonce: [UInt8], count: Int) -> [UInt8] {
        let subkey = hsalsa20(key: key, nonce: Array(nonce[0..<16]))
        let n0 = le32(nonce, 16), n1 = le32(nonce, 20)
        var out: [UInt8] = []
        out.reserveCapacity(count + 64)
        var counter: UInt64 = 0
        while out.count < count {
            let input = state(key: subkey, middle: [n0, n1, UInt32(truncatingIfNeeded: counter), UInt32(truncatingIfNeeded: counter >> 32)])
            var x = input
            rounds(&x)
            for i in 0..<16 {
                let w = x[i] &+ input[i]
                out += [UInt8(truncatingIfNeeded: w), UInt8(truncatingIfNeeded: w >> 8), UInt8(truncatingIfNeeded: w >> 16), UInt8(truncatingIfNeeded: w >> 24)]
            }
            counter += 1
        }
        return Array(out[0..<count])
    }
}

/// The Poly1305 one-time authenticator (26-bit limbs, as poly1305-donna).
enum Poly1305 {
    static func tag(_ message: [UInt8], key: [UInt8]) -> [UInt8] {
        let le32 = XSalsa20.le32
        let mask: UInt64 = 0x3ff_ffff
        let r0 = UInt64(le32(key, 0)) & 0x3ff_ffff
        let r1 = UInt64(le32(key, 3) >> 2) & 0x3ff_ff03
        let r2 = UInt64(le32(key, 6) >> 4) & 0x3ff_c0ff
        let r3 = UInt64(le32(key, 9) >> 6) & 0x3f0_3fff
        let r4 = UInt64(le32(key, 12) >> 8) & 0x00f_ffff
        let s1 = r1 * 5, s2 = r2 * 5, s3 = r3 * 5, s4 = r4 * 5
        var h0: UInt64 = 0, h1: UInt64 = 0, h2: UInt64 = 0, h3: UInt64 = 0, h4: UInt64 = 0
        var offset = 0
        while offset < message.count {
            var block: [UInt8]
            var hibit: UInt64 = 1 << 24
            if message.count - offset >= 16 {
                block = Array(message[offset..<(offset + 16)])
            } else {
                block = Array(message[offset...]) + [1]
                block += [UInt8](repeating: 0, count: 16 - block.count)
                hibit = 0
            }
            offset += 16
            h0 += UInt64(le32(block, 0)) & mask
            h1 += UInt64(le32(block, 3) >> 2) & mask
            h2 += UInt64(le32(block, 6) >> 4) & mask
            h3 += UInt64(le32(block, 9) >> 6) & mask
            h4 += UInt64(le32(block, 12) >> 8) | hibit
            let d0 = h0 * r0 + h1 * s4 + h2 * s3 + h3 * s2 + h4 * s1
            var d1 = h0 * r1 + h1 * r0 + h2 * s4 + h3 * s3 + h4 * s2
            var d2 = h0 * r2 + h1 * r1 + h2 * r0 + h3 * s4 + h4 * s3
            var d3 = h0 * r3 + h1 * r2 + h2 * r1 + h3 * r0 + h4 * s4
            var d4 = h0 * r4 + h1 * r3 + h2 * r2 + h3 * r1 + h4 * r0
            var c = d0 >> 26; h0 = d0 & mask
            d1 += c; c = d1 >> 26; h1 = d1 & mask
            d2 += c; c = d2 >> 26; h2 = d2 & mask
            d3 += c; c = d3 >> 26; h3 = d3 & mask
            d4 += c; c = d4 >> 26; h4 = d4 & mask
            h0 += c * 5; c = h0 >> 26; h0 &= mask
            h1 += c
        }
        // Fully carry, then subtract p = 2^130 - 5 when h >= p.
        var c = h1 >> 26; h1 &= mask
        h2 += c; c = h2 >> 26; h2 &= mask
        h3 += c; c = h3 >> 26; h3 &= mask
        h4 += c; c = h4 >> 26; h4 &= mask
        h0 += c * 5; c = h0 >> 26; h0 &= mask
        h1 += c
        var g0 = h0 + 5; c = g0 >> 26; g0 &= mask
        var g1 = h1 + c; c = g1 >> 26; g1 &= mask
        var g2 = h2 + c; c = g2 >> 26; g2 &= mask
        var g3 = h3 + c; c = g3 >> 26; g3 &= mask
        let g4 = Int64(h4 + c) - (1 << 26)
        if g4 >= 0 {
            (h0, h1, h2, h3, h4) = (g0, g1, g2, g3, UInt64(g4))
        }
        let w0 = (h0 | (h1 << 26)) & 0xffff_ffff
        let w1 = ((h1 >> 6) | (h2 << 20)) & 0xffff_ffff
        let w2 = ((h2 >> 12) | (h3 << 14)) & 0xffff_ffff
        let w3 = ((h3 >> 18) | (h4 << 8)) & 0xffff_ffff
        var f = w0 + UInt64(le32(key, 16))
        var out: [UInt8] = []
        out.reserveCapacity(16)
        func put(_ v: UInt64) {
            out += [UInt8(truncatingIfNeeded: v), UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v >> 16), UInt8(truncatingIfNeeded: v >> 24)]
        }
        put(f)
        f = w1 + UInt64(le32(key, 20)) + (f >> 32); put(f)
        f = w2 + UInt64(le32(key, 24)) + (f >> 32); put(f)
        f = w3 + UInt64(le32(key, 28)) + (f >> 32); put(f)
        return out
    }
}
