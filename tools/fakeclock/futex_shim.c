// Preloaded before libfaketime (LD_PRELOAD=libparley_fakeclock_futex.so:libfaketime.so.1) in every
// process of a local Parley on a faked clock (scripts/run.sh --simulate).
//
// Abseil's timed waits (Mutex::AwaitWithTimeout, CondVar::WaitWithTimeout, gRPC's gpr_cv_wait) call
// syscall(SYS_futex, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, <absolute deadline>). libfaketime
// does not intercept syscall(), so the kernel compares a deadline computed on the faked clock with
// the real one: a faked past makes every wait return at once (busy loops in every timer thread), a
// faked future makes it sleep for months. This shim moves absolute futex deadlines by
// (real - faked) for the clock the futex uses. See README.md.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

typedef long (*syscall_fn)(long, ...);
typedef int (*clockwait_fn)(pthread_cond_t*, pthread_mutex_t*, clockid_t, const struct timespec*);

static syscall_fn real_syscall;
static clockwait_fn real_clockwait;

static void resolve(void) {
  if (!real_syscall) real_syscall = (syscall_fn)dlsym(RTLD_NEXT, "syscall");
}

// Real minus faked now on `clk`, in nanoseconds. clock_gettime resolves to libfaketime's (preloaded
// after this shim); the raw syscall reaches the kernel's.
static int64_t skew_ns(clockid_t clk) {
  struct timespec fake, real;
  resolve();
  if (clock_gettime(clk, &fake) != 0) return 0;
  if (real_syscall(SYS_clock_gettime, clk, &real) != 0) return 0;
  return ((int64_t)real.tv_sec - fake.tv_sec) * 1000000000LL + ((int64_t)real.tv_nsec - fake.tv_nsec);
}

static struct timespec shift(const struct timespec* t, int64_t ns) {
  int64_t v = (int64_t)t->tv_sec * 1000000000LL + t->tv_nsec + ns;
  if (v < 0) v = 0;
  struct timespec out = {.tv_sec = v / 1000000000LL, .tv_nsec = v % 1000000000LL};
  return out;
}

long syscall(long n, ...) {
  // syscall() takes at most six arguments; reading six is what glibc's own wrapper does.
  va_list ap;
  va_start(ap, n);
  long a1 = va_arg(ap, long), a2 = va_arg(ap, long), a3 = va_arg(ap, long);
  long a4 = va_arg(ap, long), a5 = va_arg(ap, long), a6 = va_arg(ap, long);
  va_end(ap);
  resolve();
  if (n == SYS_futex && a4 != 0) {
    int op = (int)a2;
    int cmd = op & FUTEX_CMD_MASK;
    // Only these take an absolute deadline: WAIT_BITSET and WAIT_REQUEUE_PI (monotonic unless
    // FUTEX_CLOCK_REALTIME), LOCK_PI (always realtime). FUTEX_WAIT's timeout is relative.
    if (cmd == FUTEX_WAIT_BITSET || cmd == FUTEX_WAIT_REQUEUE_PI || cmd == FUTEX_LOCK_PI) {
      clockid_t clk = (cmd == FUTEX_LOCK_PI || (op & FUTEX_CLOCK_REALTIME)) ? CLOCK_REALTIME : CLOCK_MONOTONIC;
      struct timespec adj = shift((const struct timespec*)a4, skew_ns(clk));
      return real_syscall(n, a1, a2, a3, (long)&adj, a5, a6);
    }
  }
  return real_syscall(n, a1, a2, a3, a4, a5, a6);
}

// libstdc++'s condition_variable waits on steady_clock use it (glibc 2.30+), and libfaketime
// 0.9.10 does not intercept it. No Parley binary calls it today; the shim keeps it right anyway.
int pthread_cond_clockwait(pthread_cond_t* c, pthread_mutex_t* m, clockid_t clk, const struct timespec* abstime) {
  if (!real_clockwait) real_clockwait = (clockwait_fn)dlsym(RTLD_NEXT, "pthread_cond_clockwait");
  struct timespec adj = shift(abstime, skew_ns(clk));
  return real_clockwait(c, m, clk, &adj);
}
