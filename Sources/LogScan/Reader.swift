import CZlib

#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif

/// Where bytes come from: a file range (pread), stdin, or an inflating wrapper around either.
protocol ByteSource {
    /// Up to `count` bytes into `buffer`; 0 at the end; -1 on a read error (see `problem`).
    mutating func read(into buffer: UnsafeMutableRawPointer, count: Int) -> Int
    var problem: String? { get }
    /// Where this source's chunk now ends, in bytes from the source's start, when another worker may
    /// have taken over its tail (`ChunkBounds`); nil when the end is fixed.
    var currentLimit: Int64? { get }
}

extension ByteSource {
    var currentLimit: Int64? { nil }
}

/// The end of a file chunk that is being read, which an idle worker may pull in to take the rest of
/// the chunk over (so two cores finish together even when one of them runs slower).
///
/// The reader reserves each range before it reads it; a split point is always past everything
/// reserved, so every line the reader already has in its buffer stays its own, and the line running
/// across the split point is the reader's (the thief skips up to its first newline, as at any chunk start).
final class ChunkBounds: @unchecked Sendable {
    private let lock = NSLockLite()
    private var end: Int64
    private var reserved: Int64

    init(start: Int64, end: Int64) {
        self.end = end
        reserved = start
    }

    /// The reader is about to read up to `upTo` (absolute offset): records it; returns the current end.
    func reserve(upTo: Int64) -> Int64 {
        lock.lock()
        defer { lock.unlock() }
        reserved = Swift.max(reserved, upTo)
        return end
    }

    /// Takes the second half of what is left unreserved when each half is at least `minimum` bytes:
    /// the chunk now ends at the returned offset, and the caller reads from there to the old end.
    func split(minimum: Int64) -> (start: Int64, end: Int64)? {
        lock.lock()
        defer { lock.unlock() }
        let left = end - reserved
        guard left / 2 >= minimum else { return nil }
        let mid = reserved + left / 2
        let oldEnd = end
        end = mid
        return (mid, oldEnd)
    }

    var remaining: Int64 {
        lock.lock()
        defer { lock.unlock() }
        return end - reserved
    }
}

/// Counts bytes read across all workers for the progress line.
final class ProgressCounter: @unchecked Sendable {
    private let lock = NSLockLite()
    private var value: Int64 = 0
    func add(_ n: Int) {
        lock.lock()
        value += Int64(n)
        lock.unlock()
    }
    var total: Int64 {
        lock.lock()
        defer { lock.unlock() }
        return value
    }
}

/// A pthread mutex, to avoid pulling Foundation into the hot module for one lock.
final class NSLockLite: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    init() { pthread_mutex_init(&mutex, nil) }
    deinit { pthread_mutex_destroy(&mutex) }
    func lock() { pthread_mutex_lock(&mutex) }
    func unlock() { pthread_mutex_unlock(&mutex) }
}

func errnoText(_ code: Int32) -> String { String(cString: strerror(code)) }

struct FileRangeSource: ByteSource {
    let fd: Int32
    var offset: Int64
    var end: Int64?
    let counter: ProgressCounter?
    var problem: String?
    /// Bytes before this offset belong to the previous chunk (the one byte read before a boundary).
    var countFrom: Int64 = 0
    /// Set for a chunk whose tail another worker may take over; `end` then follows it.
    var bounds: ChunkBounds?
    /// The absolute offset of the source's first byte (for `currentLimit`).
    var origin: Int64 = 0

    var currentLimit: Int64? { bounds != nil ? end.map { $0 - origin } : nil }

    mutating func read(into buffer: UnsafeMutableRawPointer, count: Int) -> Int {
        if let bounds { end = bounds.reserve(upTo: offset + Int64(count)) }
        let n = pread(fd, buffer, count, off_t(offset))
        if n < 0 {
            problem = "read error: \(errnoText(errno))"
            return -1
        }
        if n > 0, let counter {
            // progress counts only this unit's own range, so totals add up to the file sizes
            let upper = end.map { min(offset + Int64(n), $0) } ?? (offset + Int64(n))
            let own = upper - max(offset, countFrom)
            if own > 0 { counter.add(Int(own)) }
        }
        offset += Int64(n)
        return n
    }
}

/// stdin (or any fd read sequentially), after replaying the bytes already sniffed.
struct StreamSource: ByteSource {
    let fd: Int32
    var prefix: [UInt8]
    var prefixUsed = 0
    let counter: ProgressCounter?
    var problem: String?

    mutating func read(into buffer: UnsafeMutableRawPointer, count: Int) -> Int {
        if prefixUsed < prefix.count {
            let n = min(count, prefix.count - prefixUsed)
            prefix.withUnsafeBytes { raw in
                buffer.copyMemory(from: raw.baseAddress! + prefixUsed, byteCount: n)
            }
            prefixUsed += n
            counter?.add(n)
            return n
        }
        while true {
            let n = Glibc.read(fd, buffer, count)
            if n < 0 && errno == EINTR { continue }
            if n < 0 {
                problem = "read error: \(errnoText(errno))"
                return -1
            }
            counter?.add(n)
            return n
        }
    }
}

/// Inflates gzip (every member of a multi-member file, as `cat a.gz b.gz` makes) from an inner source.
/// A file that ends inside a member is reported as truncated; what was inflated so far is kept.
struct GzipSource<Inner: ByteSource>: ByteSource {
    var inner: Inner
    private var stream = z_stream()
    private var input: UnsafeMutablePointer<UInt8>
    private let inputSize = 1 << 18
    private var started = false
    private var ended = false
    private var innerEOF = false
    /// Between members: set after Z_STREAM_END until more input shows another member.
    private var betweenMembers = false
    var problem: String?

    init(_ inner: Inner) {
        self.inner = inner
        input = .allocate(capacity: inputSize)
    }

    mutating func close() {
        if started { inflateEnd(&stream) }
        started = false
        input.deallocate()
    }

    private mutating func refill() -> Bool {
        guard !innerEOF else { return false }
        let n = inner.read(into: input, count: inputSize)
        if n <= 0 {
            innerEOF = true
            if n < 0 { problem = inner.problem }
            return false
        }
        stream.next_in = input
        stream.avail_in = UInt32(n)
        return true
    }

    mutating func read(into buffer: UnsafeMutableRawPointer, count: Int) -> Int {
        if ended { return 0 }
        if !started {
            stream = z_stream()
            guard inflateInit2_(&stream, 32 + MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK
            else {
                problem = "cannot initialise zlib"
                ended = true
                return -1
            }
            started = true
        }
        stream.next_out = buffer.assumingMemoryBound(to: UInt8.self)
        stream.avail_out = UInt32(min(count, Int(UInt32.max)))
        while stream.avail_out > 0 {
            if stream.avail_in == 0 && !refill() {
                if betweenMembers || problem != nil {
                    ended = true
                } else {
                    problem = "truncated gzip: the file ends inside a compressed member"
                    ended = true
                }
                break
            }
            if betweenMembers {
                // skip zero padding some tools append; anything else must be another member
                while stream.avail_in > 0 && stream.next_in.pointee == 0 {
                    stream.next_in += 1
                    stream.avail_in -= 1
                }
                if stream.avail_in == 0 { continue }
                inflateReset(&stream)
                betweenMembers = false
            }
            let rc = inflate(&stream, Z_NO_FLUSH)
            if rc == Z_STREAM_END {
                betweenMembers = true
                continue
            }
            if rc == Z_BUF_ERROR { continue }
            if rc != Z_OK {
                let message = stream.msg.map { String(cString: $0) } ?? "error \(rc)"
                problem = "corrupt gzip data (\(message))"
                ended = true
                break
            }
        }
        return count - Int(stream.avail_out)
    }
}

/// Receives lines (without `\n` or `\r\n`).
protocol LineConsumer {
    /// The bytes after the line about to be handed over (the next line, up to `available` bytes, its
    /// end not yet known): a consumer may start loading what that line will need (see `CPrefetch`).
    mutating func lookAhead(_ p: UnsafePointer<UInt8>, _ available: Int)
    mutating func line(_ p: UnsafePointer<UInt8>, _ n: Int)
    /// A line longer than the read block: counted, not parsed.
    mutating func tooLong()
}

extension LineConsumer {
    @inline(__always)
    mutating func lookAhead(_ p: UnsafePointer<UInt8>, _ available: Int) {}
}

enum LineSplitter {
    /// Bytes per read: small enough that the block just read is still in the core's L2 cache when it
    /// is parsed (the buffer itself is larger, for long lines).
    static let readSize = 256 << 10

    /// Feeds every line of `source` to `consumer`.
    /// - `skipFirst`: the source starts one byte before a chunk boundary; the line running across
    ///   the boundary belongs to the previous chunk, so everything up to the first `\n` is skipped.
    /// - `limit`: lines starting at or after this many bytes into the source belong to the next chunk.
    static func run<S: ByteSource, C: LineConsumer>(
        _ source: inout S, blockSize: Int, skipFirst: Bool, limit: Int64?, into consumer: inout C
    ) {
        var limit = limit
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: blockSize, alignment: 16)
        defer { buffer.deallocate() }
        let bytes = buffer.assumingMemoryBound(to: UInt8.self)
        var filled = 0
        var base: Int64 = 0  // source offset of buffer[0]
        var skipping = skipFirst
        var eof = false
        while !eof {
            let n = source.read(into: buffer + filled, count: min(LineSplitter.readSize, blockSize - filled))
            if n <= 0 { eof = true } else { filled += n }
            if let moved = source.currentLimit { limit = moved }
            var start = 0
            while start < filled {
                if let limit, !skipping, base + Int64(start) >= limit { return }
                guard let hit = memchr(bytes + start, 0x0A, filled - start) else { break }
                let nl = UnsafeRawPointer(hit) - UnsafeRawPointer(bytes)
                if skipping {
                    skipping = false
                } else {
                    var end = nl
                    if end > start && bytes[end - 1] == 0x0D { end -= 1 }
                    consumer.lookAhead(bytes + nl + 1, filled - nl - 1)
                    consumer.line(bytes + start, end - start)
                }
                start = nl + 1
            }
            if eof {
                if start < filled && !skipping {
                    if limit == nil || base + Int64(start) < limit! {
                        var end = filled
                        if end > start && bytes[end - 1] == 0x0D { end -= 1 }
                        consumer.line(bytes + start, end - start)
                    }
                }
                return
            }
            if start == 0 && filled == blockSize {
                // no newline in a whole block: a line too long to keep; drop up to the next newline
                if !skipping { consumer.tooLong() }
                skipping = true
                base += Int64(filled)
                filled = 0
                continue
            }
            if start > 0 {
                let rest = filled - start
                if rest > 0 { memmove(buffer, buffer + start, rest) }
                base += Int64(start)
                filled = rest
            }
        }
    }
}
