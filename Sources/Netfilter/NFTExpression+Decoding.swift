public import Netlink

extension NFTExpression {
    /// Decodes the expressions of a rule (the contents of NFTA_RULE_EXPRESSIONS)
    /// as the kernel reports them in a GETRULE dump. Expressions this encoder
    /// never writes come back as `nil` entries' names in `unknown`.
    public static func decodeList(_ list: NetlinkAttributes) -> (expressions: [NFTExpression], unknown: [String]) {
        var out: [NFTExpression] = []
        var unknown: [String] = []
        for element in list where element.type == NFT.ListAttr.element {
            let attributes = element.nested
            guard let name = attributes[NFT.ExprAttr.name]?.string else { continue }
            let data = attributes[NFT.ExprAttr.data]?.nested ?? NetlinkAttributes([])
            if let e = decode(name: name, data) { out.append(e) } else { unknown.append(name) }
        }
        return (out, unknown)
    }

    /// One expression from its name and NFTA_EXPR_DATA attributes.
    static func decode(name: String, _ d: NetlinkAttributes) -> NFTExpression? {
        func u32(_ t: UInt16) -> UInt32? { d[t]?.be32 }
        func data(_ t: UInt16) -> [UInt8] { d[t]?.nested[NFT.DataAttr.value].map { Array($0.data) } ?? [] }
        switch name {
        case "payload":
            guard let register = u32(1), let base = u32(2).flatMap(PayloadBase.init(rawValue:)), let offset = u32(3), let length = u32(4) else { return nil }
            return .payload(base: base, offset: offset, length: length, into: register)
        case "meta":
            guard let key = u32(2).flatMap(MetaKey.init(rawValue:)) else { return nil }
            if let register = u32(1) { return .meta(key, into: register) }
            if let register = u32(3) { return .setMeta(key, from: register) }
            return nil
        case "cmp":
            guard let register = u32(1), let op = u32(2).flatMap(CmpOp.init(rawValue:)) else { return nil }
            return .cmp(register, op, data(3))
        case "range":
            guard let register = u32(1), u32(2) == 0 else { return nil }
            return .range(register, from: data(3), to: data(4))
        case "bitwise":
            guard let source = u32(1), let destination = u32(2), let length = u32(3) else { return nil }
            return .bitwise(source: source, destination: destination, length: length, mask: data(4), xor: data(5))
        case "lookup":
            guard let set = d[1]?.string, let register = u32(2) else { return nil }
            if let destination = u32(3), destination != NFT.Register.verdict { return .mapLookup(set: set, from: register, into: destination) }
            return .lookup(set: set, setID: nil, from: register, verdict: u32(3) == NFT.Register.verdict && d[3] != nil,
                           invert: (u32(5) ?? 0) & 1 != 0)
        case "immediate":
            guard let register = u32(1), let value = d[2]?.nested else { return nil }
            if register == NFT.Register.verdict, let verdict = value[NFT.DataAttr.verdict]?.nested {
                guard let code = verdict[NFT.VerdictAttr.code].flatMap({ NFT.VerdictCode(rawValue: Int32(bitPattern: $0.be32)) }) else { return nil }
                return .verdict(code, chain: verdict[NFT.VerdictAttr.chain]?.string)
            }
            return .immediate(register, value[NFT.DataAttr.value].map { Array($0.data) } ?? [])
        case "nat":
            guard let type = u32(1).flatMap(NATType.init(rawValue:)), let family = u32(2).flatMap({ NFT.Family(rawValue: UInt8(truncatingIfNeeded: $0)) }),
                  let address = u32(3) else { return nil }
            return .nat(type, family: family, addressRegister: address, portRegister: u32(5))
        case "masq":
            return .masquerade(fullyRandom: (u32(1) ?? 0) & 0x10 != 0)
        case "numgen":
            guard let register = u32(1), let modulus = u32(2) else { return nil }
            return .numgenRandom(modulus: modulus, into: register)
        case "ct":
            guard let register = u32(1) else { return nil }
            switch u32(2) {
            case 0: return .ctState(into: register)
            case 20 where d[3]?.u8 == 0: return .ctOriginalDestination(ipv6: false, into: register)
            case 22 where d[3]?.u8 == 0: return .ctOriginalDestination(ipv6: true, into: register)
            default: return nil
            }
        case "fib":
            guard let register = u32(1), u32(2) == 3 else { return nil }
            return (u32(3) ?? 0) & 0x1 != 0 ? .fibSourceAddressType(into: register) : .fibDestinationAddressType(into: register)
        case "dynset":
            guard let set = d[NFT.DynsetAttr.setName]?.string, let register = u32(NFT.DynsetAttr.keyRegister) else { return nil }
            return .dynsetUpdate(set: set, setID: nil, keyRegister: register)
        case "counter":
            return .counter
        case "reject":
            guard let type = u32(1).flatMap(RejectType.init(rawValue:)) else { return nil }
            return .reject(type, code: d[2]?.u8 ?? 0)
        default:
            return nil
        }
    }
}
