// A tiny concurrency limiter: at most `max` jobs run at once, the rest wait in order.

export function createLimiter(max) {
  let running = 0;
  const waiting = [];

  function next() {
    while (running < max && waiting.length > 0) {
      const { job, resolve, reject } = waiting.shift();
      running += 1;
      Promise.resolve()
        .then(job)
        .then(resolve, reject)
        .finally(() => {
          running -= 1;
          next();
        });
    }
  }

  return {
    /** Runs `job` (a function returning a promise) when a slot is free; resolves with its result. */
    run(job) {
      return new Promise((resolve, reject) => {
        waiting.push({ job, resolve, reject });
        next();
      });
    },
    /** Forgets every job that has not started yet. */
    clear() {
      waiting.length = 0;
    },
    get running() { return running; },
    get waiting() { return waiting.length; },
  };
}
