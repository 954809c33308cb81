/* The read floor of `mlrs report`: for every run of a store, list its params/, tags/, metrics/
 * and artifacts/ folders and open, read and close meta.yaml and every param, tag and metric
 * file, on two threads (the benchmark machine's cores), parsing nothing. bench/report.py builds
 * and times it on the store it benchmarks.
 *
 *     cc -O2 -pthread bench/read_floor.c -o /tmp/read_floor && /tmp/read_floor STORE
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char **runs;
static size_t nruns, cap;
static long files[2];

static void add_run(const char *path) {
    if (nruns == cap) {
        cap = cap ? cap * 2 : 1024;
        runs = realloc(runs, cap * sizeof *runs);
    }
    runs[nruns++] = strdup(path);
}

/* Runs are the folders inside experiment folders (names not starting with '.'; an experiment's
 * tags/ is not a run). */
static void find_runs(const char *root) {
    DIR *top = opendir(root);
    struct dirent *e, *r;
    char exp[4096], run[8192];
    if (!top) return;
    while ((e = readdir(top))) {
        if (e->d_name[0] == '.' || strcmp(e->d_name, "models") == 0) continue;
        snprintf(exp, sizeof exp, "%s/%s", root, e->d_name);
        DIR *d = opendir(exp);
        if (!d) continue;
        while ((r = readdir(d))) {
            if (r->d_name[0] == '.' || strcmp(r->d_name, "tags") == 0) continue;
            snprintf(run, sizeof run, "%s/%s", exp, r->d_name);
            struct stat st;
            /* Some file systems do not give the type in the listing. */
            if (r->d_type == DT_DIR || (r->d_type == DT_UNKNOWN && stat(run, &st) == 0 &&
                                        S_ISDIR(st.st_mode)))
                add_run(run);
        }
        closedir(d);
    }
    closedir(top);
}

static void read_file(int dir, const char *name, char *buf, long *count) {
    int fd = openat(dir, name, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    while (read(fd, buf, 65536) == 65536) {}
    close(fd);
    (*count)++;
}

static void *work(void *arg) {
    size_t t = (size_t)arg;
    char *buf = malloc(65536);
    static const char *subs[] = {"params", "tags", "metrics", "artifacts"};
    for (size_t i = t; i < nruns; i += 2) {
        int run = open(runs[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (run < 0) continue;
        read_file(run, "meta.yaml", buf, &files[t]);
        for (int s = 0; s < 4; s++) {
            int dir = openat(run, subs[s], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (dir < 0) continue;
            DIR *d = fdopendir(dup(dir));
            struct dirent *e;
            while (d && (e = readdir(d))) {
                if (e->d_name[0] != '.' && s < 3) read_file(dir, e->d_name, buf, &files[t]);
            }
            if (d) closedir(d);
            close(dir);
        }
        close(run);
    }
    free(buf);
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: read_floor STORE\n");
        return 2;
    }
    find_runs(argv[1]);
    pthread_t a, b;
    pthread_create(&a, 0, work, (void *)0);
    pthread_create(&b, 0, work, (void *)1);
    pthread_join(a, 0);
    pthread_join(b, 0);
    printf("%zu runs, %ld files\n", nruns, files[0] + files[1]);
    return 0;
}
