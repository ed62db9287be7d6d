/**
 * A clock store for `useSyncExternalStore`: `getSnapshot()` is the time it last read (read on first use),
 * and while anyone is subscribed it reads the time again every `intervalMs` and notifies them. When the last
 * subscriber leaves, the timer stops and the next `getSnapshot()` reads a fresh time.
 */
export function createTickingClock(intervalMs: number, now: () => number = Date.now) {
  let current: number | null = null;
  const listeners = new Set<() => void>();
  let timer: ReturnType<typeof setInterval> | undefined;

  function subscribe(listener: () => void) {
    listeners.add(listener);
    timer ??= setInterval(() => {
      current = now();
      listeners.forEach((notify) => notify());
    }, intervalMs);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0 && timer) {
        clearInterval(timer);
        timer = undefined;
        current = null;
      }
    };
  }

  const getSnapshot = () => (current ??= now());
  return { subscribe, getSnapshot };
}
