/* A main() for the harnesses when no fuzzing engine is linked
 * (-Dfuzzing_engine=none): replays files and directories, and runs
 * generated inputs from a seed, so a gcc build explores too.
 *
 *   fuzz_x FILE|DIR...           run each file (directories: each file in it)
 *   fuzz_x -runs=N [-seed=S] [-max_len=L] [DIR...]
 *                                 also N random inputs; with DIRs, half of
 *                                 them are mutations of the files there
 */
#define _POSIX_C_SOURCE 200809L
#include "fuzz.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The input being run, written to ./crash-input when it aborts or
 * crashes, so it can be replayed and committed as a regression file. */
static const unsigned char *current;
static size_t current_len;

static void on_crash(int sig)
{
    int fd = open("crash-input", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    static const char msg[] = "standalone: input written to ./crash-input\n";
    if (fd >= 0) {
        if (write(fd, current, current_len) < 0) { /* nothing more to do */
        }
        close(fd);
        if (write(2, msg, sizeof msg - 1) < 0) {
        }
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

static void run_one(const unsigned char *buf, size_t n)
{
    current = buf;
    current_len = n;
    LLVMFuzzerTestOneInput(buf, n);
}

static uint64_t rng = 0x2545F4914F6CDD1Dull;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static unsigned char **seeds;
static size_t *seed_len, nseeds, seed_cap;

static int run_file(const char *path, int keep)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf;
    long n;
    if (!f) {
        perror(path);
        return 1;
    }
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = (unsigned char *)malloc(n > 0 ? (size_t)n : 1);
    if (n > 0 && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        free(buf);
        return 1;
    }
    fclose(f);
    run_one(buf, (size_t)n);
    if (keep) {
        if (nseeds == seed_cap) {
            seed_cap = seed_cap ? 2 * seed_cap : 64;
            seeds = (unsigned char **)realloc(seeds, seed_cap * sizeof *seeds);
            seed_len = (size_t *)realloc(seed_len, seed_cap * sizeof *seed_len);
        }
        seeds[nseeds] = buf;
        seed_len[nseeds++] = (size_t)n;
    } else {
        free(buf);
    }
    return 0;
}

static int run_path(const char *path, int keep, size_t *count)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        perror(path);
        return 1;
    }
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *e;
        int bad = 0;
        if (!d)
            return 1;
        while ((e = readdir(d)) != NULL) {
            char full[4096];
            if (e->d_name[0] == '.')
                continue;
            snprintf(full, sizeof full, "%s/%s", path, e->d_name);
            bad |= run_file(full, keep);
            (*count)++;
        }
        closedir(d);
        return bad;
    }
    (*count)++;
    return run_file(path, keep);
}

int main(int argc, char **argv)
{
    unsigned long long runs = 0, i;
    size_t max_len = 512, files = 0;
    int a, bad = 0;
    unsigned char *buf;

    signal(SIGABRT, on_crash);
    signal(SIGSEGV, on_crash);
    signal(SIGBUS, on_crash);
    signal(SIGFPE, on_crash);
    for (a = 1; a < argc; a++) {
        if (strncmp(argv[a], "-runs=", 6) == 0)
            runs = strtoull(argv[a] + 6, NULL, 10);
        else if (strncmp(argv[a], "-seed=", 6) == 0)
            rng = strtoull(argv[a] + 6, NULL, 10) * 2654435761ull + 1;
        else if (strncmp(argv[a], "-max_len=", 9) == 0)
            max_len = strtoull(argv[a] + 9, NULL, 10);
    }
    for (a = 1; a < argc; a++)
        if (argv[a][0] != '-')
            bad |= run_path(argv[a], runs > 0, &files);
    buf = (unsigned char *)malloc(max_len + 1);
    for (i = 0; i < runs; i++) {
        size_t n, k;
        if (nseeds && (next() & 1)) { /* mutate a seed */
            size_t s = next() % nseeds, flips = 1 + next() % 8;
            n = seed_len[s] < max_len ? seed_len[s] : max_len;
            memcpy(buf, seeds[s], n);
            for (k = 0; k < flips && n; k++)
                buf[next() % n] = (unsigned char)next();
            if (next() % 4 == 0)
                n = next() % (n + 1); /* and truncate */
        } else {
            n = (size_t)(next() % (max_len + 1));
            for (k = 0; k < n; k++)
                buf[k] = (unsigned char)next();
        }
        run_one(buf, n);
    }
    printf("%s: %lu files replayed, %llu generated inputs run\n", argv[0],
           (unsigned long)files, runs);
    free(buf);
    return bad;
}
