"use client";

import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from "react";
import { useResettableState } from "@/components/hooks/use-resettable-state";
import type { SpeakerJson } from "./api";

/**
 * What the call page's panels share in the browser: the call's speakers as the user last edited them (the
 * transcript's names and the action items' owner choices follow them), and a way for an action item's
 * "Source" to show its segment in the transcript (which registers the revealer).
 */
interface CallWorkspace {
  callId: string;
  /** The signed-in user's name ("Me" owners before the server answers). */
  userName: string | null;
  speakers: SpeakerJson[];
  /** Bumped by each speaker edit, so owners shown elsewhere are fetched again. */
  speakersVersion: number;
  updateSpeakers: (speakers: SpeakerJson[]) => void;
  /** Seeks the audio to the segment, plays, and scrolls the transcript to it; false when there is no transcript. */
  revealSegment: ((segmentId: string) => boolean) | null;
  registerRevealer: (revealer: ((segmentId: string) => boolean) | null) => void;
}

const CallWorkspaceContext = createContext<CallWorkspace | null>(null);

export function CallWorkspaceProvider({
  callId,
  userName,
  speakers: serverSpeakers,
  children,
}: {
  callId: string;
  userName: string | null;
  speakers: SpeakerJson[];
  children: ReactNode;
}) {
  // A server refresh brings the stored speakers: they are the truth.
  const [speakers, setSpeakers] = useResettableState(serverSpeakers);
  const [speakersVersion, setSpeakersVersion] = useState(0);
  const [revealer, setRevealer] = useState<{ reveal: (segmentId: string) => boolean } | null>(null);

  const updateSpeakers = useCallback((next: SpeakerJson[]) => {
    setSpeakers(next);
    setSpeakersVersion((version) => version + 1);
  }, [setSpeakers]);
  const registerRevealer = useCallback((reveal: ((segmentId: string) => boolean) | null) => setRevealer(reveal ? { reveal } : null), []);

  const value = useMemo<CallWorkspace>(
    () => ({ callId, userName, speakers, speakersVersion, updateSpeakers, revealSegment: revealer?.reveal ?? null, registerRevealer }),
    [callId, userName, speakers, speakersVersion, updateSpeakers, revealer, registerRevealer],
  );
  return <CallWorkspaceContext.Provider value={value}>{children}</CallWorkspaceContext.Provider>;
}

/** The call page's shared state, or null outside a call page (the inbox). */
export function useCallWorkspace(): CallWorkspace | null {
  return useContext(CallWorkspaceContext);
}
