"use client";

import { useState } from "react";
import { useRegisterMedia } from "./media-sync";

type LoadState = "ok" | "gone" | "failed";

/**
 * The recording, streamed from `/api/calls/:id/audio` with range requests (so seeking works without
 * downloading the whole file). If it cannot be loaded, says why instead of showing a dead player.
 */
export function AudioPlayer({ callId, title }: { callId: string; title: string }) {
  const src = `/api/calls/${encodeURIComponent(callId)}/audio`;
  const [state, setState] = useState<LoadState>("ok");
  const registerMedia = useRegisterMedia();

  async function onError() {
    // The element does not expose the HTTP status; ask the API why.
    try {
      const response = await fetch(src, { method: "HEAD", cache: "no-store" });
      setState(response.status === 404 ? "gone" : "failed");
    } catch {
      setState("failed");
    }
  }

  if (state === "gone") return <AudioUnavailable />;
  return (
    <div>
      <audio
        ref={registerMedia}
        controls
        preload="metadata"
        src={src}
        onError={onError}
        aria-label={`Recording of ${title}`}
        data-testid="call-audio"
        className="w-full"
      />
      {state === "failed" ? (
        <p role="alert" className="mt-2 text-sm text-red-700">
          The recording could not be played. Reload the page to try again.
        </p>
      ) : null}
    </div>
  );
}

export function AudioUnavailable({ reason = "The audio for this call is no longer stored." }: { reason?: string }) {
  return (
    <p className="rounded-lg bg-slate-50 px-4 py-3 text-sm text-slate-600" data-testid="audio-unavailable">
      {reason}
    </p>
  );
}
