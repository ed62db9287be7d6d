"use client";

import { useSyncExternalStore } from "react";
import { localDateString } from "./action-item-model";

/**
 * The viewer's clock for due dates and snooze times. While rendering on the server and hydrating it is the
 * server's `serverToday` (so the markup matches); after hydration it is the browser's local time, ticking
 * every 30 s (so "Due today" turns into "Due yesterday" at midnight without a reload).
 */

let clientNow: number | null = null;
const listeners = new Set<() => void>();
let timer: ReturnType<typeof setInterval> | undefined;

function subscribe(listener: () => void) {
  listeners.add(listener);
  timer ??= setInterval(() => {
    clientNow = Date.now();
    listeners.forEach((notify) => notify());
  }, 30_000);
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer) {
      clearInterval(timer);
      timer = undefined;
      clientNow = null;
    }
  };
}

const getClientNow = () => (clientNow ??= Date.now());
const getServerNow = () => null;

export interface ViewerClock {
  /** False on the server and while hydrating. */
  local: boolean;
  now: number;
  /** `YYYY-MM-DD`: the viewer's date (the server's until hydrated). */
  today: string;
}

export function useViewerClock(serverToday: string): ViewerClock {
  const now = useSyncExternalStore(subscribe, getClientNow, getServerNow);
  if (now === null) return { local: false, now: Date.parse(`${serverToday}T12:00:00Z`), today: serverToday };
  return { local: true, now, today: localDateString(new Date(now)) };
}
