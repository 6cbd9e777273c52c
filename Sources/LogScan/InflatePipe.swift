#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif

/// Inflates a `.gz` on a thread of its own while the caller parses what is already inflated, so two
/// cores share the work of one compressed log (inflating costs about as much as parsing).
///
/// A fixed ring of blocks between the two threads: memory stays `slots × blockSize` whatever the file
/// size, and the inflater waits when the parser is behind (and the parser when the inflater is).
final class InflatePipe: @unchecked Sendable {
    static let blockSize = 1 << 20
    static let slots = 4

    private var mutex = pthread_mutex_t()
    private var changed = pthread_cond_t()
    private let buffers: [UnsafeMutableRawPointer]
    private var lengths: [Int]
    /// Filled blocks not yet given back by the reader, the next block to fill, the next to read.
    private var filled = 0
    private var writeIndex = 0
    private var readIndex = 0
    /// The inflater is done (end of input or an error); `problem` is final once set.
    private var finished = false
    /// The reader stopped early: the inflater ends at its next block.
    private var cancelled = false
    private var inflaterProblem: String?

    /// Starts inflating `source` (gzip) on a new thread.
    init<S: ByteSource>(_ source: S) {
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&changed, nil)
        buffers = (0..<Self.slots).map { _ in UnsafeMutableRawPointer.allocate(byteCount: Self.blockSize, alignment: 64)
        }
        lengths = [Int](repeating: 0, count: Self.slots)
        let box = SourceBox(GzipSource(source))
        Thread.detach { [self] in self.inflate(box) }
    }

    deinit {
        for buffer in buffers { buffer.deallocate() }
        pthread_cond_destroy(&changed)
        pthread_mutex_destroy(&mutex)
    }

    /// The inflater's loop: fill a free block, hand it over, until the input ends or the reader stops.
    private func inflate<S: ByteSource>(_ box: SourceBox<GzipSource<S>>) {
        var gzip = box.value
        while true {
            pthread_mutex_lock(&mutex)
            while filled == Self.slots && !cancelled { pthread_cond_wait(&changed, &mutex) }
            let stop = cancelled
            let slot = writeIndex
            pthread_mutex_unlock(&mutex)
            if stop { break }
            // Filled to the brim when the data allows: the reader's copies stay large.
            var length = 0
            var ended = false
            while length < Self.blockSize {
                let n = gzip.read(into: buffers[slot] + length, count: Self.blockSize - length)
                if n <= 0 {
                    ended = true
                    break
                }
                length += n
            }
            pthread_mutex_lock(&mutex)
            if length > 0 {
                lengths[slot] = length
                writeIndex = (slot + 1) % Self.slots
                filled += 1
            }
            if ended {
                finished = true
                inflaterProblem = gzip.problem
            }
            pthread_cond_broadcast(&changed)
            pthread_mutex_unlock(&mutex)
            if ended { break }
        }
        gzip.close()
        pthread_mutex_lock(&mutex)
        finished = true
        pthread_cond_broadcast(&changed)
        pthread_mutex_unlock(&mutex)
    }

    /// The next inflated block (valid until `giveBack()`), or nil at the end.
    func take() -> (UnsafeMutableRawPointer, Int)? {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        while filled == 0 && !finished { pthread_cond_wait(&changed, &mutex) }
        guard filled > 0 else { return nil }
        return (buffers[readIndex], lengths[readIndex])
    }

    /// The block `take()` returned was read: the inflater may fill it again.
    func giveBack() {
        pthread_mutex_lock(&mutex)
        readIndex = (readIndex + 1) % Self.slots
        filled -= 1
        pthread_cond_broadcast(&changed)
        pthread_mutex_unlock(&mutex)
    }

    /// The reader stops (or finished): the inflater ends, and nothing more is read from the input.
    func cancel() {
        pthread_mutex_lock(&mutex)
        cancelled = true
        pthread_cond_broadcast(&changed)
        // Waits for the inflater to leave the source, so the caller may close what it reads from.
        while !finished { pthread_cond_wait(&changed, &mutex) }
        pthread_mutex_unlock(&mutex)
    }

    /// The inflater's problem (truncated or corrupt data, a read error), once it finished.
    var problem: String? {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return inflaterProblem
    }
}

/// Moves a source onto the inflater's thread (the reader never touches it afterwards).
final class SourceBox<S>: @unchecked Sendable {
    let value: S
    init(_ value: S) { self.value = value }
}

/// The reader's side of an `InflatePipe`, as a `ByteSource` for `LineSplitter`.
struct PipeSource: ByteSource {
    let pipe: InflatePipe
    private var block: UnsafeMutableRawPointer?
    private var length = 0
    private var used = 0
    private(set) var problem: String?

    init(_ pipe: InflatePipe) { self.pipe = pipe }

    mutating func read(into buffer: UnsafeMutableRawPointer, count: Int) -> Int {
        if block == nil || used == length {
            if block != nil { pipe.giveBack() }
            guard let (next, size) = pipe.take() else {
                block = nil
                problem = pipe.problem
                return problem == nil ? 0 : -1
            }
            block = next
            length = size
            used = 0
        }
        let n = min(count, length - used)
        buffer.copyMemory(from: block! + used, byteCount: n)
        used += n
        return n
    }
}
