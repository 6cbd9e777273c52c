// why401-fuzz TARGET [libFuzzer flags…] [corpus dirs or inputs…]
//
// Runs one target of `FuzzTargets` under libFuzzer (built with `-sanitize=fuzzer`, see Fuzz/run.sh),
// or — in a plain build — replays the files and directories given through it once. libFuzzer starts
// copies of this program itself (`-minimize_crash`, `-fork`, `-merge`) with its own flags only; they
// find the target in WHY401_FUZZ_TARGET, which is set here for them.
import CFuzzDriver
import FuzzTargets

#if canImport(Glibc)
    import Glibc
#endif

let targetVariable = "WHY401_FUZZ_TARGET"

var arguments = CommandLine.arguments
var name: String?
if arguments.count >= 2, FuzzTargets.all[arguments[1]] != nil {
    name = arguments.remove(at: 1)
    setenv(targetVariable, name!, 1)
} else if let inherited = getenv(targetVariable) {
    name = String(cString: inherited)
}

guard let name, let target = FuzzTargets.all[name] else {
    let list = FuzzTargets.names.isEmpty ? "(none: build in debug)" : FuzzTargets.names.joined(separator: " ")
    let usage = """
        usage: why401-fuzz TARGET [libFuzzer flags] [corpus directories or inputs]
        targets: \(list)

        """
    _ = usage.withCString { write(2, $0, strlen($0)) }
    exit(2)
}

/// The target libFuzzer's callback runs: a C function pointer captures nothing, so it reads a global.
nonisolated(unsafe) var selectedTarget: ([UInt8]) -> Void = target

let callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32 = { data, size in
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    selectedTarget(bytes)
    return 0
}

// libFuzzer keeps argv for the whole run (and for the copies it starts): never freed.
var argc = Int32(arguments.count)
let cArguments = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: arguments.count + 1)
for (index, argument) in arguments.enumerated() { cArguments[index] = strdup(argument) }
cArguments[arguments.count] = nil
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = cArguments
exit(LLVMFuzzerRunDriver(&argc, &argv, callback))
