/* Writes a realistic Apache/nginx `combined` access log of at least SIZE bytes to stdout, fast
 * (about 1 GiB in a few seconds), deterministic for a given seed.
 * Usage: generate-combined-log SIZE_BYTES [SEED]
 * Mix: ~8 % 401 (challenges answered within seconds, brute-force bursts, never-succeeding clients),
 * IPv6 clients, users with spaces, "" users, "-" requests (408), TLS bytes (400), HTTP/2.0,
 * escaped quotes. Timestamps advance monotonically over about two weeks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <stdint.h>

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static inline uint64_t rnd(void) {
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}
static inline unsigned below(unsigned n) { return (unsigned)(rnd() % n); }

#define NCLIENTS 20000
#define NPATHS 3000
static char clients[NCLIENTS][48];
static char paths[NPATHS][64];
static const char *users[] = {"alice", "bob", "carol", "admin", "bob smith", "\"\"", "deploy", "jenkins", "o'neil", "www"};
static const char *agents[] = {
    "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
    "curl/8.5.0", "python-requests/2.31.0", "Go-http-client/1.1", "kube-probe/1.28", "Wget/1.21.3",
    "Quote \\\"agent\\\" 1.0", "-"};
static const char *referers[] = {"-", "-", "-", "https://example.com/", "https://example.com/login?next=%2Fadmin",
                                 "https://search.example/?q=\\\"why401\\\""};
static const char *months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: %s SIZE_BYTES [SEED]\n", argv[0]); return 2; }
    long long target = atoll(argv[1]);
    if (argc > 2) rng_state ^= (uint64_t)atoll(argv[2]) * 0xD1B54A32D192ED03ULL;
    for (int i = 0; i < NCLIENTS; i++) {
        if (i % 50 == 0) snprintf(clients[i], 48, "2001:db8:%x::%x", below(65536), below(65536));
        else snprintf(clients[i], 48, "%u.%u.%u.%u", 10 + below(200), below(256), below(256), 1 + below(254));
    }
    static const char *dirs[] = {"static", "api/v1", "api/v2", "admin", "basic", "images", "blog", "wp-admin", "private", "docs"};
    for (int i = 0; i < NPATHS; i++)
        snprintf(paths[i], 64, "/%s/%s%u%s", dirs[i % 10], (i % 7) ? "item" : "page", i, (i % 3) ? ".html" : "");
    static char buf[1 << 20];
    size_t used = 0;
    long long written = 0;
    time_t t = 1793491200; /* 2026-11-01 00:00:00 UTC */
    time_t shown_for = -1;
    char stamp[32];
    int pending_client = -1, pending_path = 0, pending_user = 0, pending_due = 0;
    int burst_left = 0, burst_client = 0;
    while (written < target) {
        if (below(4) == 0) t += 1;
        if (t != shown_for) {
            struct tm tm;
            gmtime_r(&t, &tm);
            snprintf(stamp, sizeof stamp, "%02d/%s/%04d:%02d:%02d:%02d +0000", tm.tm_mday, months[tm.tm_mon],
                     tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
            shown_for = t;
        }
        int client = below(NCLIENTS) % (below(10) < 7 ? 500 : NCLIENTS); /* a few busy clients */
        int path = below(NPATHS) % (below(10) < 6 ? 100 : NPATHS);
        const char *user = "-";
        const char *method = below(10) < 8 ? "GET" : "POST";
        const char *proto = below(10) < 3 ? "HTTP/2.0" : "HTTP/1.1";
        int status;
        int roll = below(1000);
        char request[160];
        if (pending_client >= 0 && --pending_due <= 0) {
            /* the answered challenge: same client and path, now with credentials */
            client = pending_client; path = pending_path; user = users[pending_user]; status = 200;
            pending_client = -1;
            snprintf(request, sizeof request, "%s %s %s", method, paths[path], proto);
        } else if (burst_left > 0) {
            burst_left--;
            client = burst_client; path = 4; user = users[below(10)]; status = 401;
            snprintf(request, sizeof request, "POST %s HTTP/1.1", paths[path]);
        } else if (roll < 2) {
            status = 408;
            strcpy(request, "-");
        } else if (roll < 3) {
            status = 400;
            strcpy(request, "\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01\\xfc\\x03\\x03");
        } else if (roll == 3 && below(20) == 0) {
            burst_left = 200 + below(400);
            burst_client = below(NCLIENTS);
            status = 401;
            user = users[below(10)];
            snprintf(request, sizeof request, "POST %s HTTP/1.1", paths[4]);
        } else {
            int s = below(100);
            status = s < 70 ? 200 : s < 78 ? 304 : s < 82 ? 302 : s < 88 ? 404 : s < 89 ? 500 : s < 90 ? 403 : 401;
            if (status == 401 && pending_client < 0 && below(2) == 0) {
                pending_client = client; pending_path = path; pending_user = below(10); pending_due = 1 + below(5);
            } else if (status == 401 || (status == 200 && below(4) == 0)) {
                user = users[below(10)];
            }
            if (below(5) == 0) snprintf(request, sizeof request, "%s %s?id=%u&q=\\\"x\\\" %s", method, paths[path], below(100000), proto);
            else snprintf(request, sizeof request, "%s %s %s", method, paths[path], proto);
        }
        if (used + 600 > sizeof buf) { fwrite(buf, 1, used, stdout); used = 0; }
        int n = snprintf(buf + used, 600, "%s - %s [%s] \"%s\" %d %u \"%s\" \"%s\"\n", clients[client], user, stamp, request,
                         status, status == 408 ? 0 : 200 + below(50000), referers[below(6)], agents[below(10)]);
        used += (size_t)n;
        written += n;
    }
    fwrite(buf, 1, used, stdout);
    return 0;
}
