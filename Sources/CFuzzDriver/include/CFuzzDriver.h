// libFuzzer's entry point for a program that keeps its own `main` (SwiftPM writes the executable's
// `main`, so libFuzzer's own never runs): `why401-fuzz` calls this with its remaining arguments.
//
// Built with `-sanitize=fuzzer`, libFuzzer's definition is linked and fuzzes. In any other build the
// weak fallback in CFuzzDriver.c links instead: it replays each file (or each file in each directory)
// named on the command line through the callback once, so a plain debug build can replay a corpus or
// a crash input. CFuzzDriver.c also has a weak LLVMFuzzerTestOneInput stub: libFuzzer's own `main`,
// linked whole but never run, references it, and the link fails without one.
#ifndef CFUZZDRIVER_H
#define CFUZZDRIVER_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
