// The weak fallback of LLVMFuzzerRunDriver (see include/CFuzzDriver.h): libFuzzer's strong
// definition replaces it in a `-sanitize=fuzzer` build.
#include "CFuzzDriver.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef int (*FuzzCallback)(const uint8_t *data, size_t size);

static int replayFile(const char *path, FuzzCallback callback) {
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        fprintf(stderr, "why401-fuzz: cannot read %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t capacity = 1 << 16;
    size_t size = 0;
    uint8_t *data = malloc(capacity);
    size_t n;
    while (data != NULL && (n = fread(data + size, 1, capacity - size, file)) > 0) {
        size += n;
        if (size == capacity) {
            capacity *= 2;
            uint8_t *grown = realloc(data, capacity);
            if (grown == NULL) free(data);
            data = grown;
        }
    }
    fclose(file);
    if (data == NULL) {
        fprintf(stderr, "why401-fuzz: out of memory reading %s\n", path);
        return -1;
    }
    fprintf(stderr, "why401-fuzz: running %s (%zu bytes)\n", path, size);
    callback(data, size);
    free(data);
    return 1;
}

/// A file, or every regular file below a directory (in name order). Returns how many were replayed,
/// -1 when something named could not be read.
static int replayPath(const char *path, FuzzCallback callback, int depth) {
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "why401-fuzz: %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) return replayFile(path, callback);
    if (depth > 8) return 0;
    struct dirent **entries = NULL;
    int count = scandir(path, &entries, NULL, alphasort);
    if (count < 0) {
        fprintf(stderr, "why401-fuzz: cannot list %s: %s\n", path, strerror(errno));
        return -1;
    }
    int replayed = 0;
    int failed = 0;
    for (int i = 0; i < count; i++) {
        const char *name = entries[i]->d_name;
        if (name[0] != '.') {
            size_t length = strlen(path) + strlen(name) + 2;
            char *child = malloc(length);
            if (child != NULL) {
                snprintf(child, length, "%s/%s", path, name);
                int n = replayPath(child, callback, depth + 1);
                if (n < 0) failed = 1; else replayed += n;
                free(child);
            }
        }
        free(entries[i]);
    }
    free(entries);
    return failed ? -1 : replayed;
}

/// libFuzzer's own `main` (linked with `-sanitize=fuzzer` but never run: SwiftPM's `main` is the
/// program's) names the usual entry point; the driver above is called with its own callback instead.
__attribute__((weak)) int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    (void)data;
    (void)size;
    return 0;
}

__attribute__((weak)) int LLVMFuzzerRunDriver(int *argc, char ***argv, FuzzCallback callback) {
    int replayed = 0;
    int failed = 0;
    for (int i = 1; i < *argc; i++) {
        const char *argument = (*argv)[i];
        if (argument[0] == '-') continue;  // libFuzzer's flags mean nothing here
        int n = replayPath(argument, callback, 0);
        if (n < 0) failed = 1; else replayed += n;
    }
    fprintf(stderr, "why401-fuzz: built without -sanitize=fuzzer: replayed %d input%s once each\n", replayed,
        replayed == 1 ? "" : "s");
    return failed ? 1 : 0;
}
