// A minimal offset clock for the servers libfaketime does not suit. redis-server (and redis-cli)
// cannot start under it: their statically linked jemalloc calls clock_gettime while libfaketime is
// still initialising, and the process hangs ("Unexpected recursive calls to clock_gettime()",
// libfaketime upstream bug #130). Under it PostgreSQL's SIGALRM timers (statement_timeout,
// deadlock_timeout) never fired. Both must still be on the faked clock: the timer workers compare
// Redis TIME with their wake-up scores, and the stores write PostgreSQL's now(). scripts/stack.sh
// preloads this shim instead of libfaketime when PARLEY_SERVER_PRELOAD names it. See README.md.
//
// Fakes only the wall clock (CLOCK_REALTIME*, gettimeofday, time) by the "+N"/"-N" seconds in
// $FAKETIME_TIMESTAMP_FILE (the same file libfaketime reads), re-read at most once a second. It
// allocates nothing and takes no lock: it runs inside the allocator's own start-up.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static volatile long offset_s;
static volatile long next_read_s;  // on the real monotonic clock

static long raw_clock(clockid_t c, struct timespec* t) { return syscall(SYS_clock_gettime, c, t); }

static long current_offset(void) {
  struct timespec m;
  raw_clock(CLOCK_MONOTONIC, &m);
  if (m.tv_sec >= next_read_s) {
    const char* path = getenv("FAKETIME_TIMESTAMP_FILE");
    int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
    if (fd >= 0) {
      char buf[64];
      ssize_t n = read(fd, buf, sizeof buf - 1);
      close(fd);
      if (n > 0) {
        buf[n] = 0;
        offset_s = strtol(buf, NULL, 10);
      }
    }
    next_read_s = m.tv_sec + 1;
  }
  return offset_s;
}

int clock_gettime(clockid_t c, struct timespec* t) {
  long r = raw_clock(c, t);
  if (r == 0 && (c == CLOCK_REALTIME || c == CLOCK_REALTIME_COARSE)) t->tv_sec += current_offset();
  return (int)r;
}

// glibc declares tv nonnull, but programs do pass NULL to the real function: keep the check.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnonnull-compare"
int gettimeofday(struct timeval* tv, void* tz) {
  (void)tz;
  struct timespec t;
  if (clock_gettime(CLOCK_REALTIME, &t) != 0) return -1;
  if (tv) {
    tv->tv_sec = t.tv_sec;
    tv->tv_usec = t.tv_nsec / 1000;
  }
  return 0;
}
#pragma GCC diagnostic pop

time_t time(time_t* out) {
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  if (out) *out = t.tv_sec;
  return t.tv_sec;
}
