"use client";

import { useEffect, useLayoutEffect, useRef } from "react";
import { startPolling, type PollOutcome } from "@/components/lib/polling";

export type { PollOutcome };

/**
 * Calls `callback` every `intervalMs` while `enabled`, not while the tab is hidden, never two at once (the
 * next call is scheduled when the previous one has finished), and not after unmount or once `enabled` turns
 * false. The latest `callback` is used without restarting the timer. It gets an AbortSignal that is aborted
 * when polling stops (check `signal.aborted` after each await before setting state), and may answer "stop"
 * to end polling until `enabled` turns false and true again. See components/lib/polling.ts.
 */
export function usePolling(callback: (signal: AbortSignal) => Promise<PollOutcome> | PollOutcome, { enabled, intervalMs }: { enabled: boolean; intervalMs: number }): void {
  const callbackRef = useRef(callback);
  useLayoutEffect(() => {
    callbackRef.current = callback;
  });

  useEffect(() => {
    if (!enabled) return;
    return startPolling((signal) => callbackRef.current(signal), { intervalMs, isHidden: () => document.hidden });
  }, [enabled, intervalMs]);
}
