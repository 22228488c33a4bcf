import Glibc

/// Copies of Swift strings as C strings, kept alive for a C call that takes `const char **` and freed after it.
struct CStringList: ~Copyable {
    private let pointers: [UnsafeMutablePointer<CChar>?]

    init(_ strings: [String]) {
        pointers = strings.map { strdup($0) }
    }

    deinit {
        for p in pointers { free(p) }
    }

    var count: Int32 { Int32(pointers.count) }

    /// The array of `const char *` for the call, valid only inside `body`; never empty (a null entry stands in).
    func withArray<R>(_ body: (UnsafeMutablePointer<UnsafePointer<CChar>?>) throws -> R) throws -> R {
        var constant = pointers.isEmpty ? [nil] : pointers.map { UnsafePointer($0) }
        return try constant.withUnsafeMutableBufferPointer { (buffer: inout UnsafeMutableBufferPointer<UnsafePointer<CChar>?>) throws -> R in
            try body(buffer.baseAddress!)
        }
    }
}
