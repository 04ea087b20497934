/**
 * Bench-only preload (`node --expose-gc --import <this file>`): on SIGUSR2, two full collections,
 * then one JSON line on stderr with process.memoryUsage(). It lets the bench read a spawned
 * process's live heap and its resident set once garbage is gone, which /proc alone cannot tell
 * apart from heap V8 has not collected yet. The product never loads it.
 */
process.on('SIGUSR2', () => {
  globalThis.gc?.();
  globalThis.gc?.();
  process.stderr.write(`${JSON.stringify({ memoryProbe: process.memoryUsage() })}\n`);
});
