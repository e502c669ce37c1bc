/*
 * Karst's host for tcmu-runner handler plugins (handler_*.so).
 *
 * A handler exports handler_init(), which registers a struct tcmur_handler through tcmur_register_handler();
 * every other function it calls (tcmu_dev_*, tcmu_cdb_*, tcmu_sense_*, tcmu_iovec_*, logging, tcmur_cmd_complete)
 * is resolved from the process's global symbol namespace, so this library defines them and makes itself global
 * before any handler is loaded.
 *
 * Native code never calls into Java. Handler log messages and completions that arrive on a handler's own
 * threads (tcmur_cmd_complete) are queued here; a Java thread waits in kt_wait() and drains them. The library
 * stays loaded for the life of the JVM and handlers are never unloaded (dlclose), so bundle updates on the
 * Java side never leave native code pointing at stale code.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>

#define KT_VERSION 1
#define KT_MAX_HANDLERS 64
#define KT_MAX_CDB 260
#define KT_SENSE_SIZE 96
#define KT_LOG_RECORDS 1024
#define KT_LOG_TEXT 440
#define KT_DEV_NAME 64

/* ---- the handler ABI (tcmu-runner 1.5.x, x86_64) ---- */

struct tcmu_device;

struct tcmulib_cmd {
    uint16_t cmd_id;
    uint8_t *cdb;
    struct iovec *iovec;
    size_t iov_cnt;
    uint8_t sense_buf[KT_SENSE_SIZE];
    void *hm_private;
};

struct kt_list_node {
    struct kt_list_node *next, *prev;
};

struct tcmur_cmd {
    struct tcmulib_cmd *lib_cmd;
    struct iovec *iovec;
    size_t iov_cnt;
    void *iov_base_copy;
    void *cmd_state;
    size_t requested;
    struct kt_list_node cmds_list_entry;
    struct timespec start_time;
    bool timed_out;
    void (*done)(struct tcmu_device *dev, struct tcmur_cmd *cmd, int ret);
};

enum tcmulib_cfg_type { TCMULIB_CFG_DEV_CFGSTR, TCMULIB_CFG_DEV_SIZE, TCMULIB_CFG_WRITE_CACHE };

struct tcmulib_cfg_info {
    enum tcmulib_cfg_type type;
    union {
        uint64_t dev_size;
        char *dev_cfgstring;
        bool write_cache;
    } data;
};

struct tcmur_handler {
    const char *name;
    const char *subtype;
    const char *cfg_desc;
    void *opaque;
    bool (*check_config)(const char *cfgstring, char **reason);
    int (*reconfig)(struct tcmu_device *dev, struct tcmulib_cfg_info *cfg);
    int (*open)(struct tcmu_device *dev, bool reopen);
    void (*close)(struct tcmu_device *dev);
    int nr_threads;
    int (*handle_cmd)(struct tcmu_device *dev, struct tcmur_cmd *cmd);
    int (*read)(struct tcmu_device *dev, struct tcmur_cmd *cmd, struct iovec *iovec, size_t iov_cnt, size_t len,
                off_t off);
    int (*write)(struct tcmu_device *dev, struct tcmur_cmd *cmd, struct iovec *iovec, size_t iov_cnt, size_t len,
                 off_t off);
    int (*flush)(struct tcmu_device *dev, struct tcmur_cmd *cmd);
    int (*unmap)(struct tcmu_device *dev, struct tcmur_cmd *cmd, uint64_t off, uint64_t len);
    int (*writesame)(struct tcmu_device *dev, struct tcmur_cmd *cmd, uint64_t off, uint64_t len,
                     struct iovec *iovec, size_t iov_cnt);
    int (*caw)(struct tcmu_device *dev, struct tcmur_cmd *cmd, uint64_t off, uint64_t len, struct iovec *iovec,
               size_t iov_cnt);
    int (*report_event)(struct tcmu_device *dev);
    int (*lock)(struct tcmu_device *dev, uint16_t tag);
    int (*unlock)(struct tcmu_device *dev);
    int (*get_lock_tag)(struct tcmu_device *dev, uint16_t *tag);
    int (*get_lock_state)(struct tcmu_device *dev);
    bool _is_dbus_handler;
    bool (*update_logdir)(void);
    int (*init)(void);
    void (*destroy)(void);
};

_Static_assert(sizeof(struct tcmulib_cmd) == 136, "tcmulib_cmd layout");
_Static_assert(offsetof(struct tcmulib_cmd, sense_buf) == 32, "tcmulib_cmd layout");
_Static_assert(offsetof(struct tcmulib_cmd, hm_private) == 128, "tcmulib_cmd layout");
_Static_assert(sizeof(struct tcmur_cmd) == 96, "tcmur_cmd layout");
_Static_assert(offsetof(struct tcmur_cmd, done) == 88, "tcmur_cmd layout");
_Static_assert(sizeof(struct tcmur_handler) == 200, "tcmur_handler layout");
_Static_assert(offsetof(struct tcmur_handler, nr_threads) == 64, "tcmur_handler layout");
_Static_assert(offsetof(struct tcmur_handler, report_event) == 128, "tcmur_handler layout");
_Static_assert(offsetof(struct tcmur_handler, destroy) == 192, "tcmur_handler layout");

/* status codes (TCMU_STS_*) */
#define STS_ASYNC_HANDLED (-2)
#define STS_NOT_HANDLED (-1)
#define STS_OK 0
#define STS_PASSTHROUGH_ERR 2
#define STS_INVALID_CMD 7

/* ---- Karst's objects ---- */

struct tcmu_device {
    char name[KT_DEV_NAME];
    char *cfgstring;
    struct tcmur_handler *handler;
    uint32_t block_size;
    uint64_t num_lbas;
    uint32_t max_xfer_len;
    uint32_t opt_unmap_gran;
    uint32_t unmap_gran_align;
    uint32_t max_unmap_len;
    uint32_t opt_xcopy_rw_len;
    bool split_unmaps;
    bool write_cache_enabled;
    bool solid_state_media;
    bool unmap_enabled;
    uint64_t size;
    int hw_block_size;
    int hw_max_sectors;
    char wwn[64];
    void *hm_private;     /* the handler's: tcmur_dev_get/set_private */
    void *runner_private; /* what tcmu_dev_get_private returns: a zeroed area in place of tcmu-runner's rdev */
};

/* A command slot: one outstanding command of one device; the Java side owns a fixed pool of them. */
struct kt_cmd {
    struct tcmur_cmd rcmd; /* first: the handler's tcmur_cmd pointer is the slot's */
    struct tcmulib_cmd lcmd;
    struct tcmu_device *dev;
    struct kt_cmd *next_done;
    uint64_t token;
    int completed;
    int status;
    int max_iov;
    uint8_t cdb[KT_MAX_CDB + 4];
    /* then: uint64_t stage[2 * max_iov] (address, length pairs the Java side writes), struct iovec iov[max_iov] */
};

struct kt_handler {
    struct tcmur_handler *h;
    char path[PATH_MAX];
};

struct kt_log {
    int level;
    char dev[KT_DEV_NAME];
    char text[KT_LOG_TEXT];
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static struct kt_handler handlers[KT_MAX_HANDLERS];
static int handler_count;
static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER; /* guards handlers[] changes */
static const char *loading_path; /* set while handler_init runs (under load_lock) */
static int loading_registered;

static struct kt_cmd *done_head, *done_tail;
static struct kt_log logs[KT_LOG_RECORDS];
static unsigned log_head, log_count;
static unsigned long logs_dropped;
static int wake_pending;
static __thread int in_host_log; /* a log call made while formatting a log record does not recurse */
static long live_devices, live_cmds; /* objects of this library alive (atomic) */
static volatile int log_threshold = 6; /* syslog level: messages above it are dropped before formatting (INFO) */

/* ---- log queue ---- */

static void kt_vlog(int level, struct tcmu_device *dev, const char *func, int line, const char *fmt, va_list ap)
{
    if (in_host_log || (level < 100 && level > log_threshold)) {
        return;
    }
    in_host_log = 1;
    char body[KT_LOG_TEXT];
    vsnprintf(body, sizeof(body), fmt ? fmt : "", ap);
    size_t n = strlen(body);
    while (n > 0 && (body[n - 1] == '\n' || body[n - 1] == '\r')) {
        body[--n] = '\0';
    }
    pthread_mutex_lock(&lock);
    if (log_count == KT_LOG_RECORDS) {
        logs_dropped++;
    } else {
        struct kt_log *r = &logs[(log_head + log_count) % KT_LOG_RECORDS];
        r->level = level;
        snprintf(r->dev, sizeof(r->dev), "%s", dev ? dev->name : "");
        if (func) {
            snprintf(r->text, sizeof(r->text), "%s:%d: %s", func, line, body);
        } else {
            snprintf(r->text, sizeof(r->text), "%s", body);
        }
        log_count++;
        pthread_cond_signal(&cond);
    }
    pthread_mutex_unlock(&lock);
    in_host_log = 0;
}

static void kt_log(int level, struct tcmu_device *dev, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kt_vlog(level, dev, NULL, 0, fmt, ap);
    va_end(ap);
}

/* syslog levels, as libtcmu_log.h uses them */
#define LVL_CRIT 2
#define LVL_ERR 3
#define LVL_WARN 4
#define LVL_INFO 6
#define LVL_DEBUG 7
#define LVL_DEBUG_SCSI 8
/* events the handler reports (not log levels) */
#define EVT_LOCK_LOST 100
#define EVT_CMD_TIMED_OUT 101

#define KT_LOG_FN(fn, lvl)                                                                    \
    void fn(struct tcmu_device *dev, const char *funcname, int linenr, const char *fmt, ...)  \
    {                                                                                         \
        va_list ap;                                                                           \
        va_start(ap, fmt);                                                                    \
        kt_vlog(lvl, dev, funcname, linenr, fmt, ap);                                         \
        va_end(ap);                                                                           \
    }

KT_LOG_FN(tcmu_crit_message, LVL_CRIT)
KT_LOG_FN(tcmu_err_message, LVL_ERR)
KT_LOG_FN(tcmu_warn_message, LVL_WARN)
KT_LOG_FN(tcmu_info_message, LVL_INFO)
KT_LOG_FN(tcmu_dbg_message, LVL_DEBUG)
KT_LOG_FN(tcmu_dbg_scsi_cmd_message, LVL_DEBUG_SCSI)

void tcmu_notify_lock_lost(struct tcmu_device *dev)
{
    kt_log(EVT_LOCK_LOST, dev, "lock lost");
}

void tcmu_notify_cmd_timed_out(struct tcmu_device *dev)
{
    kt_log(EVT_CMD_TIMED_OUT, dev, "command timed out");
}

/* ---- registration ---- */

int tcmur_register_handler(struct tcmur_handler *handler)
{
    /* called from handler_init, which kt_load_handler runs with load_lock held */
    if (!handler || !handler->subtype || !handler->open) {
        return -EINVAL;
    }
    for (int i = 0; i < handler_count; i++) {
        if (strcmp(handlers[i].h->subtype, handler->subtype) == 0) {
            kt_log(LVL_ERR, NULL, "handler subtype %s is already registered (from %s)", handler->subtype,
                   handlers[i].path);
            return -EEXIST;
        }
    }
    if (handler_count == KT_MAX_HANDLERS) {
        return -ENOSPC;
    }
    handlers[handler_count].h = handler;
    snprintf(handlers[handler_count].path, PATH_MAX, "%s", loading_path ? loading_path : "");
    handler_count++;
    loading_registered++;
    return 0;
}

bool tcmur_unregister_handler(struct tcmur_handler *handler)
{
    (void)handler;
    return false; /* handlers stay for the life of the process */
}

/* ---- device accessors (tcmu-runner's semantics and defaults) ---- */

void *tcmur_dev_get_private(struct tcmu_device *dev) { return dev->hm_private; }
void tcmur_dev_set_private(struct tcmu_device *dev, void *p) { dev->hm_private = p; }
void *tcmu_dev_get_private(struct tcmu_device *dev) { return dev->runner_private; }
void tcmu_dev_set_private(struct tcmu_device *dev, void *p) { dev->runner_private = p; }
char *tcmu_dev_get_cfgstring(struct tcmu_device *dev) { return dev->cfgstring; }
void tcmu_dev_set_num_lbas(struct tcmu_device *dev, uint64_t n) { dev->num_lbas = n; }
uint64_t tcmu_dev_get_num_lbas(struct tcmu_device *dev) { return dev->num_lbas; }
void tcmu_dev_set_block_size(struct tcmu_device *dev, uint32_t bs) { dev->block_size = bs; }
uint32_t tcmu_dev_get_block_size(struct tcmu_device *dev) { return dev->block_size; }
void tcmu_dev_set_max_xfer_len(struct tcmu_device *dev, uint32_t n) { dev->max_xfer_len = n; }
uint32_t tcmu_dev_get_max_xfer_len(struct tcmu_device *dev) { return dev->max_xfer_len; }
void tcmu_dev_set_opt_xcopy_rw_len(struct tcmu_device *dev, uint32_t n) { dev->opt_xcopy_rw_len = n; }
uint32_t tcmu_dev_get_opt_xcopy_rw_len(struct tcmu_device *dev) { return dev->opt_xcopy_rw_len; }
void tcmu_dev_set_opt_unmap_gran(struct tcmu_device *dev, uint32_t n, bool split)
{
    dev->opt_unmap_gran = n;
    dev->split_unmaps = split;
}
uint32_t tcmu_dev_get_opt_unmap_gran(struct tcmu_device *dev) { return dev->opt_unmap_gran; }
void tcmu_dev_set_max_unmap_len(struct tcmu_device *dev, uint32_t n) { dev->max_unmap_len = n; }
uint32_t tcmu_dev_get_max_unmap_len(struct tcmu_device *dev) { return dev->max_unmap_len; }
void tcmu_dev_set_unmap_gran_align(struct tcmu_device *dev, uint32_t n) { dev->unmap_gran_align = n; }
uint32_t tcmu_dev_get_unmap_gran_align(struct tcmu_device *dev) { return dev->unmap_gran_align; }
void tcmu_dev_set_write_cache_enabled(struct tcmu_device *dev, bool e) { dev->write_cache_enabled = e; }
bool tcmu_dev_get_write_cache_enabled(struct tcmu_device *dev) { return dev->write_cache_enabled; }
void tcmu_dev_set_solid_state_media(struct tcmu_device *dev, bool e) { dev->solid_state_media = e; }
bool tcmu_dev_get_solid_state_media(struct tcmu_device *dev) { return dev->solid_state_media; }
void tcmu_dev_set_unmap_enabled(struct tcmu_device *dev, bool e) { dev->unmap_enabled = e; }
bool tcmu_dev_get_unmap_enabled(struct tcmu_device *dev) { return dev->unmap_enabled; }

/* configfs stand-ins: the device's attributes as Karst configured them */
uint64_t tcmu_cfgfs_dev_get_info_u64(struct tcmu_device *dev, const char *name, int *fn_ret)
{
    if (name && strcmp(name, "Size") == 0) {
        if (fn_ret) {
            *fn_ret = 0;
        }
        return dev->size;
    }
    if (fn_ret) {
        *fn_ret = -EINVAL;
    }
    return 0;
}

int tcmu_cfgfs_dev_get_attr_int(struct tcmu_device *dev, const char *name)
{
    if (!name) {
        return -EINVAL;
    }
    if (strcmp(name, "hw_block_size") == 0) {
        return dev->hw_block_size;
    }
    if (strcmp(name, "hw_max_sectors") == 0) {
        return dev->hw_max_sectors;
    }
    if (strcmp(name, "emulate_write_cache") == 0) {
        return dev->write_cache_enabled ? 1 : 0;
    }
    if (strcmp(name, "hw_queue_depth") == 0) {
        return 128;
    }
    return -ENOENT;
}

char *tcmu_cfgfs_dev_get_wwn(struct tcmu_device *dev)
{
    return dev->wwn[0] ? strdup(dev->wwn) : NULL; /* the handler frees it */
}

char *tcmu_get_wwn(struct tcmu_device *dev)
{
    return tcmu_cfgfs_dev_get_wwn(dev);
}

void tcmu_set_thread_name(const char *prefix, struct tcmu_device *dev)
{
    /* the threads that call handlers are Karst's (named per device already): leave their names alone */
    kt_log(LVL_DEBUG, dev, "thread name %s requested", prefix ? prefix : "(null)");
}

/* ---- CDB, sense and iovec helpers ---- */

static int cdb_length(const uint8_t *cdb)
{
    switch (cdb[0] >> 5) {
    case 0: return 6;
    case 1:
    case 2: return 10;
    case 3: return cdb[0] == 0x7f ? 8 + cdb[7] : -EINVAL;
    case 4: return 16;
    case 5: return 12;
    default: return -EINVAL;
    }
}

int tcmu_cdb_get_length(uint8_t *cdb)
{
    int n = cdb_length(cdb);
    if (n < 0) {
        kt_log(LVL_ERR, NULL, "CDB opcode 0x%02x not supported", cdb[0]);
    }
    return n;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Unlike libtcmu, an unknown CDB group yields 0 instead of an assertion: a client's CDB must never abort us. */
uint64_t tcmu_cdb_get_lba(uint8_t *cdb)
{
    switch (cdb_length(cdb)) {
    case 6: return ((uint64_t)(cdb[1] & 0x1f) << 16) | (uint64_t)cdb[2] << 8 | cdb[3];
    case 10:
    case 12: return be32(cdb + 2);
    case 16: return (uint64_t)be32(cdb + 2) << 32 | be32(cdb + 6);
    default: return 0;
    }
}

uint32_t tcmu_cdb_get_xfer_length(uint8_t *cdb)
{
    switch (cdb_length(cdb)) {
    case 6: return cdb[4];
    case 10: return (uint32_t)cdb[7] << 8 | cdb[8];
    case 12: return be32(cdb + 6);
    case 16: return be32(cdb + 10);
    default: return 0;
    }
}

static void sense_fixed(uint8_t *sense, uint8_t key, uint16_t asc_ascq)
{
    sense[0] |= 0x70;
    sense[2] = key;
    sense[7] = 0x0a;
    sense[12] = asc_ascq >> 8;
    sense[13] = asc_ascq & 0xff;
}

void __tcmu_sense_set_data(uint8_t *sense, uint8_t key, uint16_t asc_ascq)
{
    sense_fixed(sense, key, asc_ascq);
}

int tcmu_sense_set_data(uint8_t *sense, uint8_t key, uint16_t asc_ascq)
{
    memset(sense, 0, KT_SENSE_SIZE);
    sense_fixed(sense, key, asc_ascq);
    return STS_PASSTHROUGH_ERR;
}

void tcmu_sense_set_info(uint8_t *sense, uint32_t info)
{
    memset(sense, 0, 18);
    sense[0] |= 0x80;
    sense[3] = info >> 24;
    sense[4] = info >> 16;
    sense[5] = info >> 8;
    sense[6] = info;
}

void tcmu_sense_set_key_specific_info(uint8_t *sense, uint16_t info)
{
    memset(sense, 0, 18);
    sense[15] |= 0x80;
    sense[16] = info >> 8;
    sense[17] = info & 0xff;
}

size_t tcmu_iovec_length(struct iovec *iov, size_t cnt)
{
    size_t n = 0;
    for (size_t i = 0; i < cnt; i++) {
        n += iov[i].iov_len;
    }
    return n;
}

size_t tcmu_iovec_seek(struct iovec *iov, size_t count)
{
    size_t consumed = 0;
    while (count > 0) {
        if (count >= iov->iov_len) {
            count -= iov->iov_len;
            iov->iov_len = 0;
            iov++;
            consumed++;
        } else {
            iov->iov_base = (char *)iov->iov_base + count;
            iov->iov_len -= count;
            count = 0;
        }
    }
    return consumed;
}

off_t tcmu_iovec_compare(void *mem, struct iovec *iov, size_t size)
{
    const uint8_t *m = mem;
    off_t at = 0;
    while (size > 0) {
        size_t part = size < iov->iov_len ? size : iov->iov_len;
        const uint8_t *d = iov->iov_base;
        for (size_t i = 0; i < part; i++) {
            if (m[at + i] != d[i]) {
                return at + (off_t)i;
            }
        }
        at += part;
        size -= part;
        iov++;
    }
    return -1;
}

size_t tcmu_memcpy_into_iovec(struct iovec *iov, size_t cnt, void *src, size_t len)
{
    size_t copied = 0;
    while (len > 0 && cnt > 0) {
        size_t n = len < iov->iov_len ? len : iov->iov_len;
        memcpy(iov->iov_base, (char *)src + copied, n);
        iov->iov_base = (char *)iov->iov_base + n;
        iov->iov_len -= n;
        copied += n;
        len -= n;
        if (iov->iov_len == 0) {
            iov++;
            cnt--;
        }
    }
    return copied;
}

size_t tcmu_memcpy_from_iovec(void *dst, size_t len, struct iovec *iov, size_t cnt)
{
    size_t copied = 0;
    while (len > 0 && cnt > 0) {
        size_t n = len < iov->iov_len ? len : iov->iov_len;
        memcpy((char *)dst + copied, iov->iov_base, n);
        iov->iov_base = (char *)iov->iov_base + n;
        iov->iov_len -= n;
        copied += n;
        len -= n;
        if (iov->iov_len == 0) {
            iov++;
            cnt--;
        }
    }
    return copied;
}

void tcmu_iovec_zero(struct iovec *iov, size_t cnt)
{
    for (size_t i = 0; i < cnt; i++) {
        memset(iov[i].iov_base, 0, iov[i].iov_len);
    }
}

/* ---- completions from any thread ---- */

static void kt_push_done(struct kt_cmd *c, int status)
{
    if (__atomic_exchange_n(&c->completed, 1, __ATOMIC_ACQ_REL)) {
        kt_log(LVL_ERR, c->dev, "command completed twice (status %d); ignored", status);
        return;
    }
    c->status = status;
    pthread_mutex_lock(&lock);
    c->next_done = NULL;
    if (done_tail) {
        done_tail->next_done = c;
    } else {
        done_head = c;
    }
    done_tail = c;
    pthread_cond_signal(&cond);
    pthread_mutex_unlock(&lock);
}

void tcmur_cmd_complete(struct tcmu_device *dev, void *data, int rc)
{
    (void)dev;
    struct tcmur_cmd *r = data;
    if (r && r->done) {
        r->done(dev, r, rc);
    }
}

static void kt_done(struct tcmu_device *dev, struct tcmur_cmd *r, int rc)
{
    (void)dev;
    kt_push_done((struct kt_cmd *)r, rc);
}

/* ---- the Java-facing API (kt_*) ---- */

/* The most verbose syslog level passed on to Java (3 errors .. 7 debug, 8 SCSI command debug). */
void kt_set_log_level(int level)
{
    log_threshold = level;
}

int kt_version(void)
{
    return KT_VERSION;
}

/* Makes this library's symbols global (System.load and some loaders use RTLD_LOCAL). 0 or -1. */
int kt_init(char *err, int errlen)
{
    Dl_info info;
    if (!dladdr((void *)&kt_init, &info) || !info.dli_fname) {
        snprintf(err, errlen, "dladdr failed");
        return -1;
    }
    void *self = dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_GLOBAL);
    if (!self) {
        snprintf(err, errlen, "cannot make %s global: %s", info.dli_fname, dlerror());
        return -1;
    }
    return 0; /* the extra reference is kept on purpose: the library is never unloaded */
}

/* Loads a handler .so (once per path) and returns its index, or -1 with the reason in err. */
int kt_load_handler(const char *path, char *err, int errlen)
{
    char real[PATH_MAX];
    if (!realpath(path, real)) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    pthread_mutex_lock(&load_lock);
    for (int i = 0; i < handler_count; i++) {
        if (strcmp(handlers[i].path, real) == 0) {
            pthread_mutex_unlock(&load_lock);
            return i;
        }
    }
    pthread_mutex_unlock(&load_lock);
    void *so = dlopen(real, RTLD_NOW | RTLD_LOCAL);
    if (!so) {
        snprintf(err, errlen, "%s", dlerror());
        return -1;
    }
    int (*init)(void) = (int (*)(void))dlsym(so, "handler_init");
    if (!init) {
        snprintf(err, errlen, "%s has no handler_init", real);
        return -1; /* never dlclose: constructors may have run */
    }
    /* handler_init calls tcmur_register_handler, which records the handler with this path */
    pthread_mutex_lock(&load_lock);
    int before = handler_count;
    loading_path = real;
    loading_registered = 0;
    int rc = init();
    loading_path = NULL;
    int registered = loading_registered;
    pthread_mutex_unlock(&load_lock);
    if (registered == 0) {
        snprintf(err, errlen, "handler_init of %s registered no handler (returned %d)", real, rc);
        return -1;
    }
    struct tcmur_handler *h = handlers[before].h;
    if (h->init) {
        int irc = h->init();
        if (irc != 0) {
            snprintf(err, errlen, "init of handler %s failed: %d", h->subtype, irc);
            return -1;
        }
    }
    return before;
}

int kt_handler_count(void) { return handler_count; }
const char *kt_handler_name(int i) { return handlers[i].h->name ? handlers[i].h->name : ""; }
const char *kt_handler_subtype(int i) { return handlers[i].h->subtype; }
const char *kt_handler_cfg_desc(int i) { return handlers[i].h->cfg_desc ? handlers[i].h->cfg_desc : ""; }
const char *kt_handler_path(int i) { return handlers[i].path; }
int kt_handler_nr_threads(int i) { return handlers[i].h->nr_threads; }

/* operations a handler implements, as a bit set (see KT_OP_*) */
#define KT_OP_READ 0
#define KT_OP_WRITE 1
#define KT_OP_FLUSH 2
#define KT_OP_UNMAP 3
#define KT_OP_WRITESAME 4
#define KT_OP_CAW 5
#define KT_OP_HANDLE_CMD 6
#define KT_OP_RECONFIG 7
#define KT_OP_REPORT_EVENT 8
#define KT_OP_CHECK_CONFIG 9

int kt_handler_ops(int i)
{
    struct tcmur_handler *h = handlers[i].h;
    return (h->read ? 1 << KT_OP_READ : 0) | (h->write ? 1 << KT_OP_WRITE : 0) | (h->flush ? 1 << KT_OP_FLUSH : 0)
           | (h->unmap ? 1 << KT_OP_UNMAP : 0) | (h->writesame ? 1 << KT_OP_WRITESAME : 0)
           | (h->caw ? 1 << KT_OP_CAW : 0) | (h->handle_cmd ? 1 << KT_OP_HANDLE_CMD : 0)
           | (h->reconfig ? 1 << KT_OP_RECONFIG : 0) | (h->report_event ? 1 << KT_OP_REPORT_EVENT : 0)
           | (h->check_config ? 1 << KT_OP_CHECK_CONFIG : 0);
}

/* 1 when the handler accepts the config string (or has no check), 0 with its reason */
int kt_check_config(int i, const char *cfg, char *reason, int len)
{
    struct tcmur_handler *h = handlers[i].h;
    if (!h->check_config) {
        return 1;
    }
    char *why = NULL;
    if (h->check_config(cfg, &why)) {
        free(why);
        return 1;
    }
    snprintf(reason, len, "%s", why ? why : "invalid config string");
    free(why);
    return 0;
}

struct tcmu_device *kt_dev_create(int i, const char *name, const char *cfgstring, uint64_t size, int block_size,
                                  int max_sectors, int write_cache, const char *wwn)
{
    struct tcmu_device *d = calloc(1, sizeof(*d));
    if (!d) {
        return NULL;
    }
    d->runner_private = calloc(1, 4096);
    d->cfgstring = strdup(cfgstring);
    if (!d->runner_private || !d->cfgstring) {
        free(d->runner_private);
        free(d->cfgstring);
        free(d);
        return NULL;
    }
    snprintf(d->name, sizeof(d->name), "%s", name);
    snprintf(d->wwn, sizeof(d->wwn), "%s", wwn ? wwn : "");
    d->handler = handlers[i].h;
    d->size = size;
    d->hw_block_size = block_size;
    d->hw_max_sectors = max_sectors;
    /* what tcmu-runner sets before open (dev_added) */
    d->block_size = block_size;
    d->num_lbas = size / (uint64_t)block_size;
    d->max_xfer_len = max_sectors;
    d->max_unmap_len = 8192; /* VPD_MAX_UNMAP_LBA_COUNT */
    d->opt_unmap_gran = max_sectors;
    d->split_unmaps = true;
    d->unmap_gran_align = 0;
    d->opt_xcopy_rw_len = max_sectors;
    d->unmap_enabled = d->handler->unmap != NULL;
    d->write_cache_enabled = write_cache != 0;
    __atomic_add_fetch(&live_devices, 1, __ATOMIC_RELAXED);
    return d;
}

int kt_dev_open(struct tcmu_device *d, int reopen)
{
    return d->handler->open(d, reopen != 0);
}

void kt_dev_close(struct tcmu_device *d)
{
    if (d->handler->close) {
        d->handler->close(d);
    }
}

void kt_dev_free(struct tcmu_device *d)
{
    if (d) {
        free(d->runner_private);
        free(d->cfgstring);
        free(d);
        __atomic_sub_fetch(&live_devices, 1, __ATOMIC_RELAXED);
    }
}

/* The device's tunables after open: 10 values (see NativeHost.DeviceInfo). */
int kt_dev_info(struct tcmu_device *d, int64_t *out, int n)
{
    int64_t v[] = {d->block_size, (int64_t)d->num_lbas, d->max_xfer_len, d->opt_unmap_gran, d->unmap_gran_align,
                   d->max_unmap_len, d->write_cache_enabled, d->solid_state_media, d->unmap_enabled,
                   d->opt_xcopy_rw_len};
    int count = (int)(sizeof(v) / sizeof(v[0]));
    for (int i = 0; i < count && i < n; i++) {
        out[i] = v[i];
    }
    return count;
}

int kt_dev_reconfig(struct tcmu_device *d, int type, uint64_t value, const char *cfgstring)
{
    if (!d->handler->reconfig) {
        return -EOPNOTSUPP;
    }
    struct tcmulib_cfg_info cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.type = type;
    if (type == TCMULIB_CFG_DEV_SIZE) {
        cfg.data.dev_size = value;
    } else if (type == TCMULIB_CFG_WRITE_CACHE) {
        cfg.data.write_cache = value != 0;
    } else {
        cfg.data.dev_cfgstring = (char *)cfgstring;
    }
    int rc = d->handler->reconfig(d, &cfg);
    if (rc == 0 && type == TCMULIB_CFG_DEV_SIZE) {
        d->size = value;
    } else if (rc == 0 && type == TCMULIB_CFG_WRITE_CACHE) {
        d->write_cache_enabled = value != 0;
    }
    return rc;
}

int kt_dev_report_event(struct tcmu_device *d)
{
    return d->handler->report_event ? d->handler->report_event(d) : -EOPNOTSUPP;
}

static size_t cmd_size(int max_iov)
{
    return sizeof(struct kt_cmd) + (size_t)max_iov * (2 * sizeof(uint64_t) + sizeof(struct iovec));
}

struct kt_cmd *kt_cmd_alloc(struct tcmu_device *d, int max_iov)
{
    struct kt_cmd *c = calloc(1, cmd_size(max_iov));
    if (c) {
        c->dev = d;
        c->max_iov = max_iov;
        __atomic_add_fetch(&live_cmds, 1, __ATOMIC_RELAXED);
    }
    return c;
}

void kt_cmd_free(struct kt_cmd *c)
{
    if (c) {
        free(c);
        __atomic_sub_fetch(&live_cmds, 1, __ATOMIC_RELAXED);
    }
}

/* Devices and command slots alive, and the bytes malloc has handed out in this process (glibc mallinfo2). */
int kt_stats(int64_t *out, int n)
{
    struct mallinfo2 mi = mallinfo2();
    int64_t v[] = {__atomic_load_n(&live_devices, __ATOMIC_RELAXED), __atomic_load_n(&live_cmds, __ATOMIC_RELAXED),
                   (int64_t)mi.uordblks, (int64_t)mi.hblkhd};
    int count = (int)(sizeof(v) / sizeof(v[0]));
    for (int i = 0; i < count && i < n; i++) {
        out[i] = v[i];
    }
    return count;
}

static uint64_t *cmd_stage(struct kt_cmd *c)
{
    return (uint64_t *)(c + 1);
}

static struct iovec *cmd_iov(struct kt_cmd *c)
{
    return (struct iovec *)(cmd_stage(c) + 2 * c->max_iov);
}

void *kt_cmd_cdb(struct kt_cmd *c) { return c->cdb; }
void *kt_cmd_stage(struct kt_cmd *c) { return cmd_stage(c); }
void *kt_cmd_sense(struct kt_cmd *c) { return c->lcmd.sense_buf; }

/*
 * Runs one command on the calling thread. Returns the handler's status; TCMU_STS_ASYNC_HANDLED means the
 * completion will come through kt_wait/kt_take_done with the token. For handlers with nr_threads == 0 a callout
 * (read, write, ...) returning OK has queued the command (tcmu-runner's contract) and is reported as
 * ASYNC_HANDLED too.
 */
int kt_cmd_exec(struct kt_cmd *c, int op, uint64_t a, uint64_t b, int iov_cnt, int cdb_len, uint64_t token)
{
    struct tcmu_device *d = c->dev;
    struct tcmur_handler *h = d->handler;
    if (iov_cnt < 0 || iov_cnt > c->max_iov || cdb_len < 0 || cdb_len > KT_MAX_CDB) {
        return STS_INVALID_CMD;
    }
    struct iovec *iov = cmd_iov(c);
    uint64_t *stage = cmd_stage(c);
    size_t total = 0;
    for (int i = 0; i < iov_cnt; i++) { /* a fresh copy: handlers consume the array they are given */
        iov[i].iov_base = (void *)(uintptr_t)stage[2 * i];
        iov[i].iov_len = stage[2 * i + 1];
        total += iov[i].iov_len;
    }
    memset(c->cdb + cdb_len, 0, sizeof(c->cdb) - cdb_len);
    memset(&c->rcmd, 0, sizeof(c->rcmd));
    memset(&c->lcmd, 0, sizeof(c->lcmd));
    c->lcmd.cdb = c->cdb;
    c->lcmd.iovec = iov;
    c->lcmd.iov_cnt = iov_cnt;
    c->lcmd.hm_private = &c->rcmd;
    c->rcmd.lib_cmd = &c->lcmd;
    c->rcmd.iovec = iov;
    c->rcmd.iov_cnt = iov_cnt;
    c->rcmd.iov_base_copy = iov_cnt > 0 ? iov[0].iov_base : NULL;
    c->rcmd.requested = total;
    c->rcmd.done = kt_done;
    clock_gettime(CLOCK_MONOTONIC, &c->rcmd.start_time);
    c->token = token;
    c->status = 0;
    __atomic_store_n(&c->completed, 0, __ATOMIC_RELEASE);

    int rc;
    bool callout = true;
    switch (op) {
    case KT_OP_READ: rc = h->read ? h->read(d, &c->rcmd, iov, iov_cnt, b, (off_t)a) : STS_INVALID_CMD; break;
    case KT_OP_WRITE: rc = h->write ? h->write(d, &c->rcmd, iov, iov_cnt, b, (off_t)a) : STS_INVALID_CMD; break;
    case KT_OP_FLUSH: rc = h->flush ? h->flush(d, &c->rcmd) : STS_INVALID_CMD; break;
    case KT_OP_UNMAP: rc = h->unmap ? h->unmap(d, &c->rcmd, a, b) : STS_INVALID_CMD; break;
    case KT_OP_WRITESAME:
        rc = h->writesame ? h->writesame(d, &c->rcmd, a, b, iov, iov_cnt) : STS_INVALID_CMD;
        break;
    case KT_OP_CAW: rc = h->caw ? h->caw(d, &c->rcmd, a, b, iov, iov_cnt) : STS_INVALID_CMD; break;
    case KT_OP_HANDLE_CMD:
        callout = false;
        rc = h->handle_cmd ? h->handle_cmd(d, &c->rcmd) : STS_NOT_HANDLED;
        break;
    default: return STS_INVALID_CMD;
    }
    if (callout && h->nr_threads == 0 && rc == STS_OK) {
        rc = STS_ASYNC_HANDLED;
    }
    if (rc != STS_ASYNC_HANDLED) {
        /* completed here: a stray tcmur_cmd_complete for it later is ignored */
        __atomic_store_n(&c->completed, 1, __ATOMIC_RELEASE);
    }
    return rc;
}

/*
 * Waits up to timeout_ms for completions, log records or a wake-up. Returns a bit set: 1 completions, 2 log
 * records, 4 woken.
 */
int kt_wait(int timeout_ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&lock);
    while (!done_head && log_count == 0 && !wake_pending) {
        if (pthread_cond_timedwait(&cond, &lock, &until) == ETIMEDOUT) {
            break;
        }
    }
    int r = (done_head ? 1 : 0) | (log_count ? 2 : 0) | (wake_pending ? 4 : 0);
    wake_pending = 0;
    pthread_mutex_unlock(&lock);
    return r;
}

void kt_wake(void)
{
    pthread_mutex_lock(&lock);
    wake_pending = 1;
    pthread_cond_broadcast(&cond);
    pthread_mutex_unlock(&lock);
}

/* Takes up to max completions as (token, status) pairs; returns how many. */
int kt_take_done(int64_t *out, int max)
{
    int n = 0;
    pthread_mutex_lock(&lock);
    while (done_head && n < max) {
        struct kt_cmd *c = done_head;
        done_head = c->next_done;
        if (!done_head) {
            done_tail = NULL;
        }
        out[2 * n] = (int64_t)c->token;
        out[2 * n + 1] = c->status;
        n++;
    }
    pthread_mutex_unlock(&lock);
    return n;
}

/*
 * Takes one log record into out (level as 4 bytes, then device name and text, each NUL-terminated); returns the
 * bytes written, 0 when there is none. dropped receives how many records were lost to overflow so far.
 */
int kt_take_log(char *out, int len, int64_t *dropped)
{
    int n = 0;
    pthread_mutex_lock(&lock);
    *dropped = (int64_t)logs_dropped;
    if (log_count > 0 && len >= 4 + KT_DEV_NAME + KT_LOG_TEXT) {
        struct kt_log *r = &logs[log_head];
        memcpy(out, &r->level, 4);
        size_t dl = strlen(r->dev) + 1;
        memcpy(out + 4, r->dev, dl);
        size_t tl = strlen(r->text) + 1;
        memcpy(out + 4 + dl, r->text, tl);
        n = (int)(4 + dl + tl);
        log_head = (log_head + 1) % KT_LOG_RECORDS;
        log_count--;
    }
    pthread_mutex_unlock(&lock);
    return n;
}
