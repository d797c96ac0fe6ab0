// I/O fault injection below the daemon: an LD_PRELOAD library that makes
// write, fsync and rename calls fail with a chosen errno, on chosen paths,
// while the test runs.
//
// SKYHAUL_FAULTS names a control file the test rewrites at any time (best
// by a rename over it); the shim reads it again whenever it changed. Each
// line is
//
//   <op> <errno> <path-substring> [<count> [after=<path-substring>]]
//
// op:     write  (write, pwrite, writev, pwritev)
//         fsync  (fsync, fdatasync)
//         rename (rename, renameat, renameat2; either path matches)
// errno:  EIO, ENOSPC, EDQUOT or a number
// count:  how many matching calls fail, then the rule is spent; `*` or
//         absent: every one until the line goes.
// after=: the rule holds only from the first intercepted call (of any op)
//         on a path matching this on; e.g. the commit that follows a
//         rename into the blob store.
//
// A path-substring ending in '$' must end the path ("/data$": the partial
// file, not its control file "data.parts"). A descriptor's path is its
// /proc/self/fd link. Every failure it causes
// is appended to `<control file>.hits` as "<function> <errno> <path>", so
// a test can tell a fault that fired from one that never did. Lines
// starting with '#' and empty lines are skipped. A rewritten file starts
// the counts afresh.

#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

enum op { op_write, op_fsync, op_rename, op_count };

struct rule {
  enum op op;
  int err;
  char sub[PATH_MAX];
  long left; // -1: no limit
  char after[PATH_MAX];
  int armed;
};

#define max_rules 32

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct rule rules[max_rules];
static int nrules;
static int active[op_count]; // rules per op, read without the lock
static int pending;          // rules waiting for their `after` call
static struct stat seen;     // the control file as last read
static int have_seen;
static __thread int inside; // no faults for the shim's own calls

static const char* ctl_path(void) {
  static const char* path;
  static int looked;
  if (!looked) {
    path = getenv("SKYHAUL_FAULTS");
    if (path != NULL && *path == 0)
      path = NULL;
    looked = 1;
  }
  return path;
}

#define REAL(name)                                                             \
  static __typeof__(name)* real_##name;                                        \
  if (real_##name == NULL)                                                     \
    real_##name = (__typeof__(name)*) dlsym(RTLD_NEXT, #name);

static int parse_errno(const char* s) {
  if (strcmp(s, "EIO") == 0)
    return EIO;
  if (strcmp(s, "ENOSPC") == 0)
    return ENOSPC;
  if (strcmp(s, "EDQUOT") == 0)
    return EDQUOT;
  if (strcmp(s, "EROFS") == 0)
    return EROFS;
  int n = atoi(s);
  return n > 0 ? n : EIO;
}

static void parse(const char* text) {
  nrules = 0;
  pending = 0;
  memset(active, 0, sizeof active);
  const char* p = text;
  while (*p != 0 && nrules < max_rules) {
    const char* end = strchr(p, '\n');
    size_t len = end != NULL ? (size_t) (end - p) : strlen(p);
    char line[PATH_MAX + 64];
    if (len >= sizeof line)
      len = sizeof line - 1;
    memcpy(line, p, len);
    line[len] = 0;
    p += len + (end != NULL ? 1 : 0);
    if (line[0] == '#' || line[0] == 0)
      continue;
    char opname[16], errname[16], sub[PATH_MAX], count[32], after[PATH_MAX];
    count[0] = 0;
    after[0] = 0;
    int n = sscanf(line, "%15s %15s %4095s %31s %4095s", opname, errname, sub,
                   count, after);
    if (n < 3)
      continue;
    struct rule* r = &rules[nrules];
    if (strcmp(opname, "write") == 0)
      r->op = op_write;
    else if (strcmp(opname, "fsync") == 0)
      r->op = op_fsync;
    else if (strcmp(opname, "rename") == 0)
      r->op = op_rename;
    else
      continue;
    r->err = parse_errno(errname);
    snprintf(r->sub, sizeof r->sub, "%s", sub);
    r->left = (n < 4 || strcmp(count, "*") == 0) ? -1 : atol(count);
    if (r->left == 0)
      continue;
    r->after[0] = 0;
    if (n == 5 && strncmp(after, "after=", 6) == 0)
      snprintf(r->after, sizeof r->after, "%s", after + 6);
    r->armed = r->after[0] == 0;
    if (!r->armed)
      pending++;
    active[r->op]++;
    nrules++;
  }
}

/// Reads the control file again when it changed; under the lock.
static void reload(const char* path) {
  struct stat st;
  if (stat(path, &st) != 0) {
    if (have_seen) {
      nrules = 0;
      pending = 0;
      memset(active, 0, sizeof active);
      have_seen = 0;
    }
    return;
  }
  if (have_seen && st.st_ino == seen.st_ino && st.st_size == seen.st_size
      && st.st_mtim.tv_sec == seen.st_mtim.tv_sec
      && st.st_mtim.tv_nsec == seen.st_mtim.tv_nsec)
    return;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return;
  char buf[16384];
  size_t got = 0;
  for (;;) {
    ssize_t n = read(fd, buf + got, sizeof buf - 1 - got);
    if (n <= 0)
      break;
    got += (size_t) n;
  }
  close(fd);
  buf[got] = 0;
  parse(buf);
  seen = st;
  have_seen = 1;
}

static void note_hit(const char* path, const char* fn, int err,
                     const char* target) {
  char hits[PATH_MAX + 8];
  snprintf(hits, sizeof hits, "%s.hits", path);
  int fd = open(hits, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0)
    return;
  char line[PATH_MAX * 2 + 64];
  int n = snprintf(line, sizeof line, "%s %d %s\n", fn, err, target);
  if (n > 0)
    syscall(SYS_write, fd, line, (size_t) n < sizeof line ? (size_t) n
                                                          : sizeof line - 1);
  close(fd);
}

/// `sub` occurs in `path`; a `sub` ending in '$' must end it.
static int matches(const char* path, const char* sub) {
  size_t n = strlen(sub);
  if (n > 0 && sub[n - 1] == '$') {
    size_t len = strlen(path);
    return len >= n - 1 && strncmp(path + len - (n - 1), sub, n - 1) == 0;
  }
  return strstr(path, sub) != NULL;
}

/// The errno the call of `fn` on `a` (or `b`) fails with, or 0.
static int fault(enum op op, const char* fn, const char* a, const char* b) {
  const char* path = ctl_path();
  if (path == NULL || inside)
    return 0;
  int saved = errno;
  int err = 0;
  inside = 1;
  pthread_mutex_lock(&mu);
  reload(path);
  // A rule armed by this call holds from the next one on.
  int armed_now[max_rules] = {0};
  for (int i = 0; i < nrules && pending > 0; ++i) {
    struct rule* r = &rules[i];
    if (!r->armed && ((a != NULL && matches(a, r->after))
                      || (b != NULL && matches(b, r->after)))) {
      r->armed = 1;
      armed_now[i] = 1;
      pending--;
    }
  }
  for (int i = 0; i < nrules && err == 0; ++i) {
    struct rule* r = &rules[i];
    if (r->op != op || r->left == 0 || !r->armed || armed_now[i])
      continue;
    const char* hit = NULL;
    if (a != NULL && matches(a, r->sub))
      hit = a;
    else if (b != NULL && matches(b, r->sub))
      hit = b;
    if (hit == NULL)
      continue;
    err = r->err;
    if (r->left > 0 && --r->left == 0)
      active[op]--;
    note_hit(path, fn, err, hit);
  }
  pthread_mutex_unlock(&mu);
  inside = 0;
  errno = saved;
  return err;
}

/// Whether any rule of `op` may apply: checks the control file first, so
/// a rule written since the last call counts.
static int wanted(enum op op) {
  const char* path = ctl_path();
  if (path == NULL || inside)
    return 0;
  int saved = errno;
  inside = 1;
  pthread_mutex_lock(&mu);
  reload(path);
  int any = active[op] > 0 || pending > 0;
  pthread_mutex_unlock(&mu);
  inside = 0;
  errno = saved;
  return any;
}

static int fd_fault(enum op op, const char* fn, int fd) {
  if (!wanted(op))
    return 0;
  char link[64], target[PATH_MAX];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, target, sizeof target - 1);
  if (n <= 0)
    return 0;
  target[n] = 0;
  return fault(op, fn, target, NULL);
}

/// `path` relative to `dirfd`, as a full path where it can be told.
static void at_path(int dirfd, const char* path, char* out, size_t size) {
  if (path[0] == '/' || dirfd == AT_FDCWD) {
    snprintf(out, size, "%s", path);
    return;
  }
  char link[64], dir[PATH_MAX];
  snprintf(link, sizeof link, "/proc/self/fd/%d", dirfd);
  ssize_t n = readlink(link, dir, sizeof dir - 1);
  if (n <= 0) {
    snprintf(out, size, "%s", path);
    return;
  }
  size_t dn = (size_t) n, pn = strlen(path);
  if (dn + 1 + pn + 1 > size) {
    snprintf(out, size, "%s", path);
    return;
  }
  memcpy(out, dir, dn);
  out[dn] = '/';
  memcpy(out + dn + 1, path, pn + 1);
}

#define FAIL_IF(op, fn, fd)                                                    \
  do {                                                                         \
    int e_ = fd_fault(op, fn, fd);                                             \
    if (e_ != 0) {                                                             \
      errno = e_;                                                              \
      return -1;                                                               \
    }                                                                          \
  } while (0)

ssize_t write(int fd, const void* buf, size_t n) {
  REAL(write);
  FAIL_IF(op_write, "write", fd);
  return real_write(fd, buf, n);
}

ssize_t pwrite(int fd, const void* buf, size_t n, off_t off) {
  REAL(pwrite);
  FAIL_IF(op_write, "pwrite", fd);
  return real_pwrite(fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void* buf, size_t n, off64_t off) {
  REAL(pwrite64);
  FAIL_IF(op_write, "pwrite64", fd);
  return real_pwrite64(fd, buf, n, off);
}

ssize_t writev(int fd, const struct iovec* iov, int cnt) {
  REAL(writev);
  FAIL_IF(op_write, "writev", fd);
  return real_writev(fd, iov, cnt);
}

ssize_t pwritev(int fd, const struct iovec* iov, int cnt, off_t off) {
  REAL(pwritev);
  FAIL_IF(op_write, "pwritev", fd);
  return real_pwritev(fd, iov, cnt, off);
}

ssize_t pwritev64(int fd, const struct iovec* iov, int cnt, off64_t off) {
  REAL(pwritev64);
  FAIL_IF(op_write, "pwritev64", fd);
  return real_pwritev64(fd, iov, cnt, off);
}

ssize_t pwritev2(int fd, const struct iovec* iov, int cnt, off_t off,
                 int flags) {
  REAL(pwritev2);
  FAIL_IF(op_write, "pwritev2", fd);
  return real_pwritev2(fd, iov, cnt, off, flags);
}

int fsync(int fd) {
  REAL(fsync);
  FAIL_IF(op_fsync, "fsync", fd);
  return real_fsync(fd);
}

int fdatasync(int fd) {
  REAL(fdatasync);
  FAIL_IF(op_fsync, "fdatasync", fd);
  return real_fdatasync(fd);
}

static int rename_fault(const char* fn, int olddir, const char* from,
                        int newdir, const char* to) {
  if (!wanted(op_rename))
    return 0;
  char a[PATH_MAX], b[PATH_MAX];
  at_path(olddir, from, a, sizeof a);
  at_path(newdir, to, b, sizeof b);
  return fault(op_rename, fn, a, b);
}

int rename(const char* from, const char* to) {
  REAL(rename);
  int e = rename_fault("rename", AT_FDCWD, from, AT_FDCWD, to);
  if (e != 0) {
    errno = e;
    return -1;
  }
  return real_rename(from, to);
}

int renameat(int olddir, const char* from, int newdir, const char* to) {
  REAL(renameat);
  int e = rename_fault("renameat", olddir, from, newdir, to);
  if (e != 0) {
    errno = e;
    return -1;
  }
  return real_renameat(olddir, from, newdir, to);
}

int renameat2(int olddir, const char* from, int newdir, const char* to,
              unsigned flags) {
  REAL(renameat2);
  int e = rename_fault("renameat2", olddir, from, newdir, to);
  if (e != 0) {
    errno = e;
    return -1;
  }
  return real_renameat2(olddir, from, newdir, to, flags);
}
