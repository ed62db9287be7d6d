/**
 * A polling loop without React: `tick` runs every `intervalMs`, the next run is scheduled only after the
 * previous one has finished (runs never overlap), a run is skipped (the loop keeps going) while `isHidden()`
 * says the page is not visible, and the loop ends for good when `tick` answers "stop" or `stop()` is called.
 * A tick that throws does not end the loop. The signal passed to `tick` is aborted by `stop()`: a run that
 * was waiting on the network when the loop stopped must not touch anything afterwards.
 */

export type PollOutcome = void | "stop";

export interface PollingLoopOptions {
  intervalMs: number;
  isHidden?: () => boolean;
  /** Timer functions (tests pass fakes). */
  setTimer?: (run: () => void, ms: number) => unknown;
  clearTimer?: (timer: unknown) => void;
}

export function startPolling(tick: (signal: AbortSignal) => Promise<PollOutcome> | PollOutcome, options: PollingLoopOptions): () => void {
  const {
    intervalMs,
    isHidden = () => false,
    setTimer = (run, ms) => setTimeout(run, ms),
    clearTimer = (timer) => clearTimeout(timer as ReturnType<typeof setTimeout>),
  } = options;
  const controller = new AbortController();
  let timer: unknown;

  const schedule = () => {
    timer = setTimer(async () => {
      timer = undefined;
      let outcome: PollOutcome = undefined;
      if (!isHidden()) {
        try {
          outcome = await tick(controller.signal);
        } catch {
          // The next run tries again; a tick that must end the loop answers "stop".
        }
      }
      if (!controller.signal.aborted && outcome !== "stop") schedule();
    }, intervalMs);
  };

  schedule();
  return () => {
    controller.abort();
    if (timer !== undefined) clearTimer(timer);
    timer = undefined;
  };
}
