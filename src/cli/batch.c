/* rappel batch: many recorded calls, in parallel, resumable, with progress (issue 8).
 *
 * Threads (pthreads; none of this is the real-time path):
 * - main: walks the folders, loads the ids of the calls already done, then draws the
 *   progress line and turns SIGINT/SIGTERM into a stop request;
 * - N workers: each takes the next file in sorted order, identifies it (SHA-256 of the audio)
 *   and runs it through its own pipeline (cli_call.c, the same code as `analyze`), and hands
 *   the finished call to the writer over a bounded queue (mutex + condvars);
 * - one writer: owns the only database handle, stores each call (statistics, timeline,
 *   alerts) or each failure in one transaction, and prints the results on stdout.
 * A worker waits on SQLite only when the queue is full; that wait is measured and printed.
 * Memory is bounded: at most N calls being analysed, N in the queue and one being stored.
 *
 * Which files: every regular file under the folders (symbolic links followed, a folder that
 * is its own ancestor skipped, the same file reached twice taken once) that libsndfile opens
 * by content, plus files that look like audio and do not open (an audio file extension or
 * header magic: a corrupt or empty recording is a failure to record, not a file to ignore);
 * anything else (text, images...) is skipped, said with --verbose. Files named on the
 * command line are always taken.
 *
 * Idempotence: a call already stored as done (same SHA-256 of the decoded audio) is skipped
 * unless --force; a failed or unfinished one is deleted and redone. The same audio under two
 * names is stored once, under the first name in sorted order, whatever the thread timing.
 * A failed file is stored as a failed call with its reason, under its content digest when
 * the audio could be decoded, else under "file:" + the SHA-256 hex of its absolute path.
 *
 * Stop: on the first SIGINT/SIGTERM no new file is taken, calls being analysed are dropped,
 * finished ones are committed, and the exit status is 128 + the signal (130 for Ctrl-C); a
 * second signal kills the process (nothing half-written survives: SQLite rolls back).
 */
#define _XOPEN_SOURCE 700 /* SA_RESETHAND */
#include "cli/cli.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli_call.h"
#include "cli/cli_pipeline.h"
#include "cli/cli_store.h"
#include "rappel/audio_digest.h"

#define COMMAND "batch"

/* Progress: redrawn 4 times a second on a terminal (smooth to the eye, negligible cost);
 * a plain line every 5 s otherwise (a log that stays readable over a night's run). */
#define TICK_NS 250000000L
#define LOG_EVERY_S 5.0

static volatile sig_atomic_t stop_signal;

static void on_signal(int signo)
{
    stop_signal = signo;
}

/* ---- the file list ----------------------------------------------------------------------- */

typedef struct batch_file {
    char *path;
    int64_t bytes;
    dev_t dev;
    ino_t ino;
} batch_file;

typedef struct file_list {
    batch_file *items;
    size_t count, cap;
    bool verbose;
    bool out_of_memory;
} file_list;

typedef struct ancestor {
    dev_t dev;
    ino_t ino;
    const struct ancestor *up;
} ancestor;

static void add_file(file_list *l, const char *path, const struct stat *st)
{
    if (l->count == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        batch_file *p = realloc(l->items, cap * sizeof *p);
        if (p == NULL) {
            l->out_of_memory = true;
            return;
        }
        l->items = p;
        l->cap = cap;
    }
    char *copy = strdup(path);
    if (copy == NULL) {
        l->out_of_memory = true;
        return;
    }
    l->items[l->count++] = (batch_file){
        .path = copy, .bytes = (int64_t)st->st_size, .dev = st->st_dev, .ino = st->st_ino};
}

/* Audio that should open and does not is a failure to report: a file with a libsndfile or
 * headerless telephony extension or a known header magic (RIFF/RIFX/RF64, FORM (AIFF), fLaC, OggS,
 * .snd, caff). */
static bool looks_like_audio(const char *path)
{
    static const char *const ext[] = {"wav", "wave", "flac", "aif",  "aiff", "aifc", "au",
                                      "snd", "caf",  "w64",  "rf64", "ogg",  "oga",  "opus",
                                      "mp3", "vox",  "sph",  "nist", "voc",  "raw",  "ul",
                                      "al",  "gsm",  "sd2",  "paf",  "mat",  "wve",  "xi"};
    rpl_raw_format named;
    if (rpl_raw_format_from_name(path, &named)) {
        return true; /* a headerless telephony extension (.ulaw, .alaw, .sln, ...) */
    }
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (dot != NULL && (slash == NULL || dot > slash)) {
        for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
            if (strcasecmp(dot + 1, ext[i]) == 0) {
                return true;
            }
        }
    }
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return false;
    }
    char magic[4] = {0};
    size_t got = fread(magic, 1, sizeof magic, f);
    fclose(f);
    static const char *const magics[] = {"RIFF", "RIFX", "RF64", "FORM",   "fLaC",
                                         "OggS", ".snd", "caff", "ID3\x03"};
    for (size_t i = 0; got == 4 && i < sizeof magics / sizeof magics[0]; i++) {
        if (memcmp(magic, magics[i], 4) == 0) {
            return true;
        }
    }
    return false;
}

static void consider_file(file_list *l, const char *path, const struct stat *st)
{
    char why[256] = "";
    rpl_source_file *src = NULL;
    if (rpl_source_file_open(path, NULL, &src, why, sizeof why) == RPL_OK) {
        rpl_source_file_close(src);
        add_file(l, path, st);
    } else if (looks_like_audio(path)) {
        add_file(l, path, st); /* it fails in a worker and is recorded with its reason */
    } else if (l->verbose) {
        fprintf(stderr, "rappel: %s: %s: skipped: %s\n", COMMAND, path, why);
    }
}

static void walk(file_list *l, const char *dir, const ancestor *up)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        cli_error(COMMAND, dir, "cannot read the folder: %s", strerror(errno));
        return;
    }
    struct stat self;
    if (fstat(dirfd(d), &self) != 0) {
        closedir(d);
        return;
    }
    ancestor here = {.dev = self.st_dev, .ino = self.st_ino, .up = up};
    size_t dir_len = strlen(dir);
    struct dirent *e;
    while ((e = readdir(d)) != NULL && !l->out_of_memory) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
            continue;
        }
        size_t n = dir_len + strlen(e->d_name) + 2;
        char *path = malloc(n);
        if (path == NULL) {
            l->out_of_memory = true;
            break;
        }
        snprintf(path, n, "%s%s%s", dir, dir_len > 0 && dir[dir_len - 1] == '/' ? "" : "/",
                 e->d_name);
        struct stat st;
        if (stat(path, &st) != 0) {
            if (l->verbose) {
                fprintf(stderr, "rappel: %s: %s: skipped: %s\n", COMMAND, path, strerror(errno));
            }
        } else if (S_ISDIR(st.st_mode)) {
            bool loop = false;
            for (const ancestor *a = &here; a != NULL && !loop; a = a->up) {
                loop = a->dev == st.st_dev && a->ino == st.st_ino;
            }
            if (loop) {
                if (l->verbose) {
                    fprintf(stderr, "rappel: %s: %s: skipped: a link back to a folder above\n",
                            COMMAND, path);
                }
            } else {
                walk(l, path, &here);
            }
        } else if (S_ISREG(st.st_mode)) {
            consider_file(l, path, &st);
        } else if (l->verbose) {
            fprintf(stderr, "rappel: %s: %s: skipped: not a regular file\n", COMMAND, path);
        }
        free(path);
    }
    closedir(d);
}

static int by_path(const void *a, const void *b)
{
    return strcmp(((const batch_file *)a)->path, ((const batch_file *)b)->path);
}

static int by_inode(const void *a, const void *b)
{
    const batch_file *x = *(const batch_file *const *)a, *y = *(const batch_file *const *)b;
    if (x->dev != y->dev) {
        return x->dev < y->dev ? -1 : 1;
    }
    if (x->ino != y->ino) {
        return x->ino < y->ino ? -1 : 1;
    }
    return strcmp(x->path, y->path);
}

/* Sort by path; the same file (device, inode) reached twice is kept under its first path. */
static bool sort_unique(file_list *l)
{
    if (l->count < 2) {
        return true; /* (and qsort must not be given the NULL items of an empty list) */
    }
    qsort(l->items, l->count, sizeof *l->items, by_path);
    batch_file **order = malloc(l->count * sizeof *order);
    if (order == NULL) {
        return false;
    }
    for (size_t i = 0; i < l->count; i++) {
        order[i] = &l->items[i];
    }
    qsort(order, l->count, sizeof *order, by_inode);
    for (size_t i = 1; i < l->count; i++) {
        if (order[i]->dev == order[i - 1]->dev && order[i]->ino == order[i - 1]->ino) {
            if (l->verbose) {
                fprintf(stderr, "rappel: %s: %s: skipped: the same file as %s\n", COMMAND,
                        order[i]->path, order[i - 1]->path);
            }
            free(order[i]->path);
            order[i]->path = NULL;
            order[i] = order[i - 1]; /* compare the next one with the kept path */
        }
    }
    free(order);
    size_t kept = 0;
    for (size_t i = 0; i < l->count; i++) {
        if (l->items[i].path != NULL) {
            l->items[kept++] = l->items[i];
        }
    }
    l->count = kept;
    return true;
}

/* ---- ids: the calls done before this run, and who owns an id in it ---------------------- */

typedef struct id_entry {
    char *id;
    size_t index; /* file index */
} id_entry;

typedef struct id_map {
    id_entry *items; /* sorted by id */
    size_t count, cap;
} id_map;

static size_t id_lower_bound(const id_map *m, const char *id)
{
    size_t lo = 0, hi = m->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(m->items[mid].id, id) < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

static id_entry *id_find(const id_map *m, const char *id)
{
    size_t i = id_lower_bound(m, id);
    return i < m->count && strcmp(m->items[i].id, id) == 0 ? &m->items[i] : NULL;
}

/* Set id -> index (inserting or overwriting). False when out of memory. */
static bool id_set(id_map *m, const char *id, size_t index)
{
    size_t i = id_lower_bound(m, id);
    if (i < m->count && strcmp(m->items[i].id, id) == 0) {
        m->items[i].index = index;
        return true;
    }
    if (m->count == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 256;
        id_entry *p = realloc(m->items, cap * sizeof *p);
        if (p == NULL) {
            return false;
        }
        m->items = p;
        m->cap = cap;
    }
    char *copy = strdup(id);
    if (copy == NULL) {
        return false;
    }
    memmove(&m->items[i + 1], &m->items[i], (m->count - i) * sizeof *m->items);
    m->items[i] = (id_entry){.id = copy, .index = index};
    m->count++;
    return true;
}

static void id_map_free(id_map *m)
{
    for (size_t i = 0; i < m->count; i++) {
        free(m->items[i].id);
    }
    free(m->items);
    memset(m, 0, sizeof *m);
}

static int collect_done(const rpl_store_call *call, void *user)
{
    if (call->state == RPL_STORE_CALL_DONE) {
        return id_set(user, call->id, SIZE_MAX) ? 0 : 1;
    }
    return 0;
}

/* ---- the shared state -------------------------------------------------------------------- */

typedef enum item_kind { ITEM_CALL, ITEM_FAILED } item_kind;

typedef struct batch_item {
    item_kind kind;
    size_t index;
    cli_call call;
    char reason[512];
} batch_item;

typedef struct failure {
    char *path;
    char *reason;
} failure;

typedef struct batch {
    /* read-only while the threads run */
    const batch_file *files;
    size_t file_count;
    cli_call_options opts;
    bool force, json, verbose, tty;
    id_map done_before; /* ids done in the store before this run (empty with --force) */
    rpl_store *store;   /* the writer's */
    struct timespec start;

    atomic_size_t next; /* next file index to take */
    atomic_bool stop;

    pthread_mutex_t lock; /* everything below */
    pthread_cond_t not_full, not_empty;
    batch_item **queue;
    size_t queue_cap, queue_head, queue_count;
    size_t workers_running;
    bool writer_done;
    id_map claimed; /* id -> lowest file index that has claimed it in this run */
    id_map stored;  /* id -> file index stored under it in this run */
    failure *failures;
    size_t failure_count, failure_cap;
    size_t stored_count, skipped_count, duplicate_count, dropped_count;
    size_t noted_count;     /* files with channel notes that --verbose would have shown */
    size_t finished_files;  /* taken and dealt with (any outcome) */
    int64_t finished_bytes; /* their sizes, for the ETA */
    double audio_s;         /* audio analysed by the workers */
    double worker_wait_s;   /* time workers spent waiting for room in the queue */
    double writer_busy_s;   /* time the writer spent storing */
    bool progress_drawn;    /* a progress line is on the terminal */

    pthread_mutex_t err_lock; /* stderr lines from several threads */
} batch;

static double seconds_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + 1e-9 * (double)(t.tv_nsec - t0->tv_nsec);
}

/* "rappel: batch: <object>: <message>" on stderr, clearing a progress line first. */
static void say(batch *b, const char *object, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void say(batch *b, const char *object, const char *fmt, ...)
{
    va_list args;
    pthread_mutex_lock(&b->err_lock);
    if (b->tty) {
        fputs("\r\033[K", stderr);
    }
    fprintf(stderr, "rappel: %s: %s: ", COMMAND, object);
    va_start(args, fmt);
    vfprintf(stderr, fmt, args);
    va_end(args);
    fputc('\n', stderr);
    pthread_mutex_unlock(&b->err_lock);
}

/* Under b->lock: one file dealt with. */
static void count_finished(batch *b, size_t index)
{
    b->finished_files++;
    b->finished_bytes += b->files[index].bytes;
}

static void add_failure(batch *b, const char *path, const char *reason)
{
    if (b->failure_count == b->failure_cap) {
        size_t cap = b->failure_cap ? b->failure_cap * 2 : 16;
        failure *p = realloc(b->failures, cap * sizeof *p);
        if (p == NULL) {
            return; /* said on stderr already; only the summary misses it */
        }
        b->failures = p;
        b->failure_cap = cap;
    }
    failure *f = &b->failures[b->failure_count];
    f->path = strdup(path);
    f->reason = strdup(reason);
    if (f->path == NULL || f->reason == NULL) {
        free(f->path);
        free(f->reason);
        return;
    }
    b->failure_count++;
}

/* ---- workers ----------------------------------------------------------------------------- */

static void push(batch *b, batch_item *item)
{
    pthread_mutex_lock(&b->lock);
    if (b->queue_count == b->queue_cap) {
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        while (b->queue_count == b->queue_cap) {
            pthread_cond_wait(&b->not_full, &b->lock);
        }
        b->worker_wait_s += seconds_since(&t0);
    }
    b->queue[(b->queue_head + b->queue_count) % b->queue_cap] = item;
    b->queue_count++;
    pthread_cond_signal(&b->not_empty);
    pthread_mutex_unlock(&b->lock);
}

static void free_item(batch_item *item)
{
    if (item != NULL) {
        cli_call_free(&item->call);
        free(item);
    }
}

/* cli_call_identify, and the call's digest when that left it unread: a call already stored is
 * skipped before its analysis. A file that cannot be read to its end fails here, before its
 * channel map is judged (call->identified false: it is stored under its path). */
static rpl_status identify(cli_call *call, const cli_call_options *o)
{
    rpl_status status = cli_call_identify(call, o);
    if (call->identified || (status != RPL_OK && status != RPL_ERR_CHANNEL_INDEX)) {
        return status;
    }
    rpl_audio_digest digest;
    char why[sizeof call->why];
    rpl_status read = rpl_audio_digest_file(call->path, NULL, &digest, why, sizeof why);
    if (read != RPL_OK) {
        /* as when the digest came first: no channel map judged, nothing known of the audio */
        memset(&call->info, 0, sizeof call->info);
        memset(&call->cfg, 0, sizeof call->cfg);
        call->channels_identical = false;
        call->duration_s = 0.0;
        call->id[0] = call->channel_map[0] = call->note[0] = '\0';
        snprintf(call->why, sizeof call->why, "%s", why);
        return read;
    }
    call->identified = true;
    snprintf(call->audio_sha256, sizeof call->audio_sha256, "%s", digest.sha256_hex);
    snprintf(call->id, sizeof call->id, "%s", digest.sha256_hex);
    return status;
}

/* One file: NULL when there is nothing for the writer (skipped, duplicate, dropped). */
static batch_item *work_on(batch *b, size_t index)
{
    const char *path = b->files[index].path;
    batch_item *item = calloc(1, sizeof *item);
    if (item == NULL || !cli_call_init(&item->call, path)) {
        free(item);
        pthread_mutex_lock(&b->lock);
        add_failure(b, path, rpl_strerror(RPL_ERR_NO_MEMORY));
        count_finished(b, index);
        pthread_mutex_unlock(&b->lock);
        say(b, path, "%s", rpl_strerror(RPL_ERR_NO_MEMORY));
        return NULL;
    }
    item->index = index;
    cli_call *call = &item->call;
    if (identify(call, &b->opts) != RPL_OK) {
        if (!call->identified) {
            cli_call_path_id(call);
        }
        item->kind = ITEM_FAILED;
        snprintf(item->reason, sizeof item->reason, "%s", call->why);
        return item;
    }
    const char *skip = NULL;
    size_t other = 0;
    pthread_mutex_lock(&b->lock);
    id_entry *claim = id_find(&b->claimed, call->id);
    if (id_find(&b->done_before, call->id) != NULL) {
        skip = "already stored";
        b->skipped_count++;
    } else if (claim != NULL && claim->index < index) {
        skip = "duplicate";
        other = claim->index;
        b->duplicate_count++;
    } else if (!id_set(&b->claimed, call->id, index)) {
        skip = "out of memory";
        add_failure(b, path, rpl_strerror(RPL_ERR_NO_MEMORY));
    }
    if (skip != NULL) {
        count_finished(b, index);
    }
    pthread_mutex_unlock(&b->lock);
    if (skip != NULL) {
        if (b->verbose && strcmp(skip, "duplicate") == 0) {
            say(b, path, "skipped: the same audio as %s", b->files[other].path);
        } else if (b->verbose) {
            say(b, path, "skipped: %s as call %s (--force analyses it again)", skip, call->id);
        }
        free_item(item);
        return NULL;
    }
    rpl_status status = cli_call_analyse(call, &b->opts, &b->stop);
    /* the notes after the analysis, which adds its own (a leak between channels), as analyze */
    if (status == RPL_OK && (b->verbose || call->info.truncated) && call->note[0] != '\0') {
        say(b, path, "%s", call->note);
    } else if (status == RPL_OK && call->note[0] != '\0') {
        pthread_mutex_lock(&b->lock);
        b->noted_count++;
        pthread_mutex_unlock(&b->lock);
    }
    if (status == RPL_ERR_INTERRUPTED) {
        pthread_mutex_lock(&b->lock);
        b->dropped_count++;
        pthread_mutex_unlock(&b->lock);
        free_item(item);
        return NULL;
    }
    if (status != RPL_OK) {
        item->kind = ITEM_FAILED;
        snprintf(item->reason, sizeof item->reason, "%s", call->why);
        return item;
    }
    item->kind = ITEM_CALL;
    pthread_mutex_lock(&b->lock);
    b->audio_s += call->duration_s;
    pthread_mutex_unlock(&b->lock);
    return item;
}

static void *worker_main(void *arg)
{
    batch *b = arg;
    while (!atomic_load(&b->stop)) {
        size_t index = atomic_fetch_add(&b->next, 1);
        if (index >= b->file_count) {
            break;
        }
        batch_item *item = work_on(b, index);
        if (item != NULL) {
            push(b, item);
        }
    }
    pthread_mutex_lock(&b->lock);
    if (--b->workers_running == 0) {
        pthread_cond_broadcast(&b->not_empty);
    }
    pthread_mutex_unlock(&b->lock);
    return NULL;
}

/* ---- the writer -------------------------------------------------------------------------- */

static void write_failure(batch *b, batch_item *item)
{
    cli_call *call = &item->call;
    say(b, call->path, "%s", item->reason);
    cli_store_result r = cli_call_store_failure(b->store, call, &b->opts, item->reason);
    if (r == CLI_STORE_FAILED) {
        say(b, call->path, "%s", call->why);
    }
    pthread_mutex_lock(&b->lock);
    add_failure(b, call->path, item->reason);
    count_finished(b, item->index);
    pthread_mutex_unlock(&b->lock);
}

static void write_call(batch *b, batch_item *item)
{
    cli_call *call = &item->call;
    pthread_mutex_lock(&b->lock);
    id_entry *prev = id_find(&b->stored, call->id);
    size_t prev_index = prev != NULL ? prev->index : SIZE_MAX;
    pthread_mutex_unlock(&b->lock);
    if (prev_index < item->index) {
        /* The same audio is already stored in this run under a name that sorts first. */
        if (b->verbose) {
            say(b, call->path, "skipped: the same audio as %s", b->files[prev_index].path);
        }
        pthread_mutex_lock(&b->lock);
        b->duplicate_count++;
        count_finished(b, item->index);
        pthread_mutex_unlock(&b->lock);
        return;
    }
    /* A later name got there first (a rare race): this one replaces it, so the stored name
     * does not depend on the timing. */
    bool replace = prev_index != SIZE_MAX;
    cli_store_result r = cli_call_store(b->store, call, &b->opts, b->force || replace);
    pthread_mutex_lock(&b->lock);
    count_finished(b, item->index);
    if (r == CLI_STORE_STORED) {
        if (replace) {
            b->duplicate_count++;
        } else {
            b->stored_count++;
        }
        if (!id_set(&b->stored, call->id, item->index)) {
            add_failure(b, call->path, rpl_strerror(RPL_ERR_NO_MEMORY));
        }
    } else if (r == CLI_STORE_ALREADY) {
        b->skipped_count++; /* stored meanwhile by another process */
    } else {
        add_failure(b, call->path, call->why);
    }
    pthread_mutex_unlock(&b->lock);
    if (r == CLI_STORE_FAILED) {
        say(b, call->path, "%s", call->why);
    } else if (r == CLI_STORE_STORED && call->store_note[0] != '\0') {
        say(b, call->path, "%s", call->store_note);
    } else if (r == CLI_STORE_ALREADY && b->verbose) {
        say(b, call->path, "skipped: already stored as call %s", call->stored_as);
    }
    if (r == CLI_STORE_STORED) {
        if (b->json) {
            cli_call_print_json(stdout, call, true);
        } else {
            cli_call_print_summary(stdout, call, true);
        }
        fflush(stdout);
    }
}

static void *writer_main(void *arg)
{
    batch *b = arg;
    pthread_mutex_lock(&b->lock);
    for (;;) {
        while (b->queue_count == 0 && b->workers_running > 0) {
            pthread_cond_wait(&b->not_empty, &b->lock);
        }
        if (b->queue_count == 0) {
            break;
        }
        batch_item *item = b->queue[b->queue_head];
        b->queue_head = (b->queue_head + 1) % b->queue_cap;
        b->queue_count--;
        pthread_cond_signal(&b->not_full);
        pthread_mutex_unlock(&b->lock);

        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        if (item->kind == ITEM_FAILED) {
            write_failure(b, item);
        } else {
            write_call(b, item);
        }
        free_item(item);
        double busy_s = seconds_since(&t0);

        pthread_mutex_lock(&b->lock);
        b->writer_busy_s += busy_s;
    }
    b->writer_done = true;
    pthread_mutex_unlock(&b->lock);
    return NULL;
}

/* ---- progress ---------------------------------------------------------------------------- */

static void format_duration(double s, char *buf, size_t size)
{
    if (!(s >= 0.0) || s > 1e7) {
        snprintf(buf, size, "--:--");
        return;
    }
    long t = (long)(s + 0.5);
    if (t >= 3600) {
        snprintf(buf, size, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    } else {
        snprintf(buf, size, "%02ld:%02ld", t / 60, t % 60);
    }
}

static void progress(batch *b, int64_t total_bytes)
{
    pthread_mutex_lock(&b->lock);
    size_t done = b->finished_files;
    int64_t done_bytes = b->finished_bytes;
    double audio_s = b->audio_s;
    size_t failed = b->failure_count;
    pthread_mutex_unlock(&b->lock);
    double elapsed_s = seconds_since(&b->start);
    double eta_s =
        done_bytes > 0 ? elapsed_s * (double)(total_bytes - done_bytes) / (double)done_bytes : -1.0;
    char eta[32];
    format_duration(eta_s, eta, sizeof eta);
    pthread_mutex_lock(&b->err_lock);
    fprintf(stderr, "%s%zu/%zu file%s, %.2f h of audio, %.1fx realtime, ETA %s, %zu failed%s",
            b->tty ? "\r" : "rappel: batch: ", done, b->file_count, b->file_count == 1 ? "" : "s",
            audio_s / 3600.0, elapsed_s > 0.0 ? audio_s / elapsed_s : 0.0, eta, failed,
            b->tty ? "\033[K" : "\n");
    fflush(stderr);
    pthread_mutex_unlock(&b->err_lock);
}

/* ---- the command ------------------------------------------------------------------------- */

static void print_help(void)
{
    printf("usage: rappel batch DIR|FILE... [--db PATH] [--jobs N] [--force] [--rules FILE]\n"
           "                    [--model FILE] [--customer-channel N] [--agent-channel N|none]\n"
           "                    [--json] [--verbose]\n\n"
           "Analyse many recorded calls in parallel and store them with their alerts, like\n"
           "'rappel analyze' on each. Folders are walked recursively; every file libsndfile reads\n"
           "by content is taken (files that look like audio but do not open are failures), in\n"
           "path order. Calls already stored (same SHA-256 of the audio) are skipped, so an\n"
           "interrupted batch resumes where it stopped; the same audio under two names is\n"
           "stored once. A file that fails is stored as a failed call with its reason ('rappel\n"
           "calls' shows it) and the batch goes on.\n\n"
           "Progress goes to stderr (a line updated in place on a terminal, a line every 5 s\n"
           "otherwise), then a summary; stdout has the results only. Ctrl-C stops taking files,\n"
           "drops the calls being analysed and stores the finished ones.\n\n"
           "options:\n"
           "  --db PATH              database (default $RAPPEL_DB, else ./rappel.db; created)\n"
           "  --jobs N               files analysed at once (default: the online CPUs)\n"
           "  --force                analyse and store again calls that are already stored\n"
           "  --rules FILE           alert policy (INI; default: the compiled-in rules)\n"
           "  --model FILE           scoring model parameters (default: the compiled-in model)\n"
           "  --customer-channel N   the customer's channel, from 0\n"
           "  --agent-channel N      the agent's channel, or 'none' to analyse the customer only\n"
           "  --json                 one JSON object per stored call and line (as analyze --json)\n"
           "  --verbose              say which files are skipped and why, and channel notes\n\n"
           "exit status: 0 ok, 1 a file failed (after finishing the others), 2 usage,\n"
           "130 (143) interrupted by SIGINT (SIGTERM); what was finished is stored\n");
}

static void free_files(file_list *l)
{
    for (size_t i = 0; i < l->count; i++) {
        free(l->items[i].path);
    }
    free(l->items);
}

/* Walk the arguments into a sorted list; false after an error (printed). */
static bool gather(file_list *files, int argc, char **argv, batch *b)
{
    for (int i = 0; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            cli_error(COMMAND, argv[i], "%s", strerror(errno));
            add_failure(b, argv[i], strerror(errno));
        } else if (S_ISDIR(st.st_mode)) {
            walk(files, argv[i], NULL);
        } else {
            add_file(files, argv[i], &st); /* named: always taken */
        }
    }
    if (files->out_of_memory || !sort_unique(files)) {
        cli_error(COMMAND, NULL, "%s", rpl_strerror(RPL_ERR_NO_MEMORY));
        return false;
    }
    return true;
}

static int run(batch *b, long jobs)
{
    int64_t total_bytes = 0;
    for (size_t i = 0; i < b->file_count; i++) {
        total_bytes += b->files[i].bytes;
    }
    size_t n_workers = (size_t)jobs;
    if (n_workers > b->file_count) {
        n_workers = b->file_count > 0 ? b->file_count : 1;
    }
    b->queue_cap = n_workers;
    b->queue = calloc(b->queue_cap, sizeof *b->queue);
    pthread_t *threads = calloc(n_workers, sizeof *threads);
    if (b->queue == NULL || threads == NULL) {
        free(threads);
        cli_error(COMMAND, NULL, "%s", rpl_strerror(RPL_ERR_NO_MEMORY));
        return RPL_EXIT_FAILURE;
    }

    /* Signals go to this thread only: the threads start with them blocked. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESETHAND; /* a second signal kills */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &block, &old);

    clock_gettime(CLOCK_MONOTONIC, &b->start);
    b->workers_running = n_workers;
    size_t started = 0;
    pthread_t writer;
    bool writer_started = pthread_create(&writer, NULL, writer_main, b) == 0;
    for (; writer_started && started < n_workers; started++) {
        if (pthread_create(&threads[started], NULL, worker_main, b) != 0) {
            break;
        }
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (!writer_started || started < n_workers) {
        cli_error(COMMAND, NULL, "cannot start threads: %s", strerror(errno));
        atomic_store(&b->stop, true);
        pthread_mutex_lock(&b->lock);
        b->workers_running -= n_workers - started;
        pthread_cond_broadcast(&b->not_empty);
        pthread_mutex_unlock(&b->lock);
    }

    struct timespec last_log = b->start;
    for (bool finished = !writer_started; !finished;) {
        struct timespec tick = {.tv_sec = 0, .tv_nsec = TICK_NS};
        nanosleep(&tick, NULL);
        if (stop_signal != 0 && !atomic_load(&b->stop)) {
            atomic_store(&b->stop, true);
            say(b, "stop",
                "signal %d: no new file; dropping the calls being analysed, "
                "storing the finished ones",
                (int)stop_signal);
        }
        pthread_mutex_lock(&b->lock);
        finished = b->writer_done;
        pthread_mutex_unlock(&b->lock);
        if (b->tty) {
            progress(b, total_bytes);
        } else if (seconds_since(&last_log) >= LOG_EVERY_S && !finished) {
            progress(b, total_bytes);
            clock_gettime(CLOCK_MONOTONIC, &last_log);
        }
    }
    for (size_t i = 0; i < started; i++) {
        pthread_join(threads[i], NULL);
    }
    if (writer_started) {
        pthread_join(writer, NULL);
    }
    free(threads);
    if (b->tty) {
        fputc('\n', stderr);
    }
    return writer_started && started == n_workers ? RPL_EXIT_OK : RPL_EXIT_FAILURE;
}

static void summary(batch *b, long jobs)
{
    double elapsed_s = seconds_since(&b->start);
    size_t not_done = b->file_count - b->finished_files;
    struct rusage ru;
    double peak_mb = getrusage(RUSAGE_SELF, &ru) == 0 ? (double)ru.ru_maxrss / 1024.0 : 0.0;
    fprintf(stderr,
            "rappel: batch: %zu file%s: %zu stored, %zu already stored, %zu duplicate%s, "
            "%zu failed, %zu not analysed\n",
            b->file_count, b->file_count == 1 ? "" : "s", b->stored_count, b->skipped_count,
            b->duplicate_count, b->duplicate_count == 1 ? "" : "s", b->failure_count, not_done);
    fprintf(stderr,
            "rappel: batch: %.3f h of audio in %.2f s: %.1fx realtime with %ld job%s; workers "
            "waited %.3f s on the writer (busy %.2f s); peak RSS %.1f MB\n",
            b->audio_s / 3600.0, elapsed_s, elapsed_s > 0.0 ? b->audio_s / elapsed_s : 0.0, jobs,
            jobs == 1 ? "" : "s", b->worker_wait_s, b->writer_busy_s, peak_mb);
    if (b->noted_count > 0) {
        /* mono files, a silent agent channel, one mix on both channels, a Latin-1 name... */
        fprintf(stderr,
                "rappel: batch: %zu file%s analysed with a note on %s channels or name "
                "(--verbose says which; `calls` shows each channel map)\n",
                b->noted_count, b->noted_count == 1 ? "" : "s",
                b->noted_count == 1 ? "its" : "their");
    }
    if (b->failure_count > 0) {
        fprintf(stderr, "rappel: batch: %zu failed:\n", b->failure_count);
        for (size_t i = 0; i < b->failure_count; i++) {
            fprintf(stderr, "rappel: batch: %s: %s\n", b->failures[i].path, b->failures[i].reason);
        }
    }
}

int cli_batch(int argc, char **argv)
{
    static const struct option options[] = {
        {"db", required_argument, NULL, 'd'},
        {"jobs", required_argument, NULL, 'J'},
        {"force", no_argument, NULL, 'f'},
        {"rules", required_argument, NULL, 'r'},
        {"model", required_argument, NULL, 'm'},
        {"customer-channel", required_argument, NULL, 'c'},
        {"agent-channel", required_argument, NULL, 'a'},
        {"json", no_argument, NULL, 'j'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    batch b;
    memset(&b, 0, sizeof b);
    b.opts.customer_channel = -1;
    b.opts.agent_channel = -1;
    b.opts.rules = rpl_rules_default();
    const char *db = NULL, *rules_path = NULL, *model_path = NULL;
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    long jobs = online > 0 ? online : 1;
    int opt;
    optind = 1;
    opterr = 0;
    for (int at = optind; (opt = getopt_long(argc, argv, ":hv", options, NULL)) != -1;
         at = optind) {
        switch (opt) {
        case 'd':
            db = optarg;
            break;
        case 'J':
            if (!cli_parse_long(optarg, 1, 256, &jobs)) {
                return cli_usage_error(COMMAND, "--jobs wants a whole number from 1 to 256");
            }
            break;
        case 'f':
            b.force = true;
            break;
        case 'r':
            rules_path = optarg;
            break;
        case 'm':
            model_path = optarg;
            break;
        case 'c':
            if (!cli_call_parse_channel(optarg, false, &b.opts.customer_channel)) {
                return cli_usage_error(COMMAND, "--customer-channel wants a channel from 0 to %d",
                                       RPL_MAX_CHANNELS - 1);
            }
            break;
        case 'a':
            if (!cli_call_parse_channel(optarg, true, &b.opts.agent_channel)) {
                return cli_usage_error(COMMAND,
                                       "--agent-channel wants a channel from 0 to %d or 'none'",
                                       RPL_MAX_CHANNELS - 1);
            }
            break;
        case 'j':
            b.json = true;
            break;
        case 'v':
            b.verbose = true;
            break;
        case 'h':
            print_help();
            return RPL_EXIT_OK;
        case ':':
            return cli_usage_error(COMMAND, "%s needs a value", argv[optind - 1]);
        default:
            return cli_unknown_option(COMMAND, options, true, argc, argv, at);
        }
    }
    if (optind == argc) {
        return cli_usage_error(COMMAND, "no DIR or FILE given");
    }
    if (rules_path != NULL && !cli_load_rules(COMMAND, rules_path, &b.opts.rules)) {
        return RPL_EXIT_FAILURE;
    }
    rpl_model model;
    if (model_path != NULL) {
        if (!cli_load_model(COMMAND, model_path, &model)) {
            return RPL_EXIT_FAILURE;
        }
        b.opts.model = &model;
    }
    b.tty = isatty(STDERR_FILENO) == 1;
    pthread_mutex_init(&b.lock, NULL);
    pthread_mutex_init(&b.err_lock, NULL);
    pthread_cond_init(&b.not_full, NULL);
    pthread_cond_init(&b.not_empty, NULL);
    atomic_init(&b.next, 0);
    atomic_init(&b.stop, false);

    int exit_status = RPL_EXIT_FAILURE;
    file_list files = {.verbose = b.verbose};
    if (!gather(&files, argc - optind, argv + optind, &b)) {
        goto done;
    }
    b.files = files.items;
    b.file_count = files.count;
    b.store = cli_open_store(COMMAND, cli_db_path(db), CLI_STORE_APPEND);
    if (b.store == NULL) {
        goto done;
    }
    if (!b.force) {
        rpl_status status = rpl_store_query_calls(b.store, NULL, collect_done, &b.done_before);
        if (status != RPL_OK) {
            cli_error(COMMAND, cli_db_path(db), "cannot list the stored calls: %s",
                      rpl_store_errmsg(b.store));
            goto done;
        }
    }
    exit_status = run(&b, jobs);
    summary(&b, jobs);
    if (exit_status == RPL_EXIT_OK && b.failure_count > 0) {
        exit_status = RPL_EXIT_FAILURE;
    }
    if (ferror(stdout)) {
        cli_error(COMMAND, "stdout", "write failed");
        exit_status = RPL_EXIT_FAILURE;
    }
    if (stop_signal != 0) {
        exit_status = 128 + (int)stop_signal;
    }
done:
    rpl_store_close(b.store);
    free_files(&files);
    id_map_free(&b.done_before);
    id_map_free(&b.claimed);
    id_map_free(&b.stored);
    for (size_t i = 0; i < b.failure_count; i++) {
        free(b.failures[i].path);
        free(b.failures[i].reason);
    }
    free(b.failures);
    free(b.queue);
    pthread_cond_destroy(&b.not_full);
    pthread_cond_destroy(&b.not_empty);
    pthread_mutex_destroy(&b.lock);
    pthread_mutex_destroy(&b.err_lock);
    return exit_status;
}
