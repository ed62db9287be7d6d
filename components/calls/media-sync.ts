"use client";

import { createContext, createElement, useCallback, useContext, useState, type ReactNode } from "react";

/**
 * How the call's audio player and its transcript find each other: the player registers its
 * `<audio>` element here (a callback ref), the transcript reads it to seek, play and follow time.
 */
interface MediaSync {
  media: HTMLMediaElement | null;
  register: (element: HTMLMediaElement | null) => void;
}

const MediaSyncContext = createContext<MediaSync | null>(null);

export function MediaSyncProvider({ children }: { children: ReactNode }) {
  const [media, setMedia] = useState<HTMLMediaElement | null>(null);
  const register = useCallback((element: HTMLMediaElement | null) => setMedia(element), []);
  return createElement(MediaSyncContext.Provider, { value: { media, register } }, children);
}

/** Callback ref for the player's media element (a no-op outside a provider). */
export function useRegisterMedia(): (element: HTMLMediaElement | null) => void {
  return useContext(MediaSyncContext)?.register ?? noop;
}

/** The registered media element, or null until the player has mounted (or when there is none). */
export function useMedia(): HTMLMediaElement | null {
  return useContext(MediaSyncContext)?.media ?? null;
}

/** Seeks and plays; autoplay refusals are ignored (the position still moves). */
export function playFrom(media: HTMLMediaElement, seconds: number) {
  media.currentTime = Math.max(0, seconds);
  const played = media.play();
  if (played) played.catch(() => undefined);
}

function noop() {}

/**
 * Moves the position to `seconds` without playing, once the media knows its duration (a seek before the
 * metadata has loaded is lost). Returns a cleanup for an effect.
 */
export function seekWhenReady(media: HTMLMediaElement, seconds: number): () => void {
  const seek = () => {
    media.currentTime = Math.max(0, seconds);
  };
  if (media.readyState >= 1) {
    seek();
    return noop;
  }
  media.addEventListener("loadedmetadata", seek, { once: true });
  return () => media.removeEventListener("loadedmetadata", seek);
}
