import Testing
import Netlink
@testable import Proxy

/// The proxy's map keys, in the byte layout nft's concatenated types have.
@Suite struct NFTKeyTests {
    @Test func keys() throws {
        let address = try #require(IPAddress("10.96.0.1"))
        #expect(NFTKey.addressProtocolPort(address, 6, 443) == [10, 96, 0, 1, 6, 0, 0, 0, 1, 0xbb, 0, 0])
        #expect(NFTKey.protocolPort(17, 30053) == [17, 0, 0, 0, 0x75, 0x65, 0, 0])
    }
}
