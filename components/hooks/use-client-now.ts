"use client";

import { useSyncExternalStore } from "react";
import { createTickingClock } from "@/components/lib/ticking-clock";

/** One clock for the whole page, ticking every 30 s while anything shows the time. */
const clock = createTickingClock(30_000);
const getServerNow = () => null;

/**
 * The browser's time (ms), following it every 30 s; null while rendering on the server and hydrating, so
 * the markup can use the server's time there and match.
 */
export function useClientNow(): number | null {
  return useSyncExternalStore(clock.subscribe, clock.getSnapshot, getServerNow);
}
