"use client";

import { useClientNow } from "@/components/hooks/use-client-now";
import { localDateString } from "./action-item-model";

export interface ViewerClock {
  /** False on the server and while hydrating. */
  local: boolean;
  now: number;
  /** `YYYY-MM-DD`: the viewer's date (the server's until hydrated). */
  today: string;
}

/**
 * The viewer's clock for due dates and snooze times. While rendering on the server and hydrating it is the
 * server's `serverToday` (so the markup matches); after hydration it is the browser's local time, ticking
 * every 30 s (so "Due today" turns into "Due yesterday" at midnight without a reload).
 */
export function useViewerClock(serverToday: string): ViewerClock {
  const now = useClientNow();
  if (now === null) return { local: false, now: Date.parse(`${serverToday}T12:00:00Z`), today: serverToday };
  return { local: true, now, today: localDateString(new Date(now)) };
}
