"use client";

import { createContext, useContext } from "react";
import { useClientNow } from "@/components/hooks/use-client-now";
import { formatAbsoluteLocal, formatAbsoluteUtc, formatRelative } from "./format";

/**
 * Relative times ("5 minutes ago") that render identically on the server and during hydration, then
 * follow the viewer's clock and time zone.
 *
 * The server renders relative to its own clock (passed down as `serverNow`) with the absolute time in
 * UTC; hydration reuses exactly that; after hydration the client's clock (ticking every 30 s) and local
 * time zone take over.
 */

const ServerNowContext = createContext<number | null>(null);

export function NowProvider({ serverNow, children }: { serverNow: number; children: React.ReactNode }) {
  return <ServerNowContext.Provider value={serverNow}>{children}</ServerNowContext.Provider>;
}

/** `{ now, local }`: `local` is false while rendering on the server or hydrating. */
function useNow(): { now: number; local: boolean } {
  const serverNow = useContext(ServerNowContext);
  const now = useClientNow();
  if (now === null) return { now: serverNow ?? 0, local: false };
  return { now, local: true };
}

export function RelativeTime({ iso, className }: { iso: string; className?: string }) {
  const { now, local } = useNow();
  const date = new Date(iso);
  const absolute = local ? formatAbsoluteLocal(date) : formatAbsoluteUtc(date);
  // Without a server clock (no provider) the server shows the absolute time rather than a guess.
  const text = local || now > 0 ? formatRelative(date, now, local ? undefined : "en-US") : absolute;
  return (
    <time dateTime={iso} title={absolute} className={className}>
      {text}
    </time>
  );
}

/** The absolute local date and time, in the UTC form until hydrated. */
export function AbsoluteTime({ iso, className }: { iso: string; className?: string }) {
  const { local } = useNow();
  const date = new Date(iso);
  return (
    <time dateTime={iso} className={className}>
      {local ? formatAbsoluteLocal(date) : formatAbsoluteUtc(date)}
    </time>
  );
}
