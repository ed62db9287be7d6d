"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import { microphoneErrorMessage } from "./messages";
import { CLIP_LEVEL, LevelTracker, meterFraction, type LevelStats } from "./sample-checks";

/**
 * Records the microphone with MediaRecorder while a Web Audio AnalyserNode measures the levels (a live meter,
 * and peak/RMS/clipping statistics for the checks after stopping). The microphone is asked for only when
 * `start()` is called — after consent — and released as soon as recording stops.
 */

export type RecorderState =
  | { kind: "idle" }
  | { kind: "requesting" }
  | { kind: "recording"; elapsed: number; level: number; clipping: boolean; speechSeconds: number }
  | { kind: "recorded"; blob: Blob; url: string; seconds: number; stats: LevelStats; autoStopped: boolean }
  | { kind: "error"; message: string; name: string };

/** How often the analyser is read (and the meter and timer move). */
const READ_INTERVAL_MS = 100;
const PREFERRED_TYPES = ["audio/webm;codecs=opus", "audio/webm", "audio/ogg;codecs=opus", "audio/mp4"];

interface Session {
  stream: MediaStream;
  context: AudioContext;
  recorder: MediaRecorder;
  timer: ReturnType<typeof setInterval>;
  tracker: LevelTracker;
  startedAt: number;
  autoStopped: boolean;
}

export function useRecorder({ maxSeconds }: { maxSeconds: number }) {
  const [state, setState] = useState<RecorderState>({ kind: "idle" });
  const session = useRef<Session | null>(null);
  const url = useRef<string | null>(null);

  const release = useCallback(() => {
    const current = session.current;
    if (!current) return;
    clearInterval(current.timer);
    for (const track of current.stream.getTracks()) track.stop();
    void current.context.close().catch(() => undefined);
  }, []);

  const stop = useCallback((auto = false) => {
    const current = session.current;
    if (!current || current.recorder.state === "inactive") return;
    current.autoStopped = auto;
    current.recorder.stop(); // onstop hands over the recording and releases the microphone
  }, []);

  const clear = useCallback(() => {
    if (url.current) URL.revokeObjectURL(url.current);
    url.current = null;
  }, []);

  const start = useCallback(async () => {
    if (session.current) return;
    clear();
    if (typeof navigator === "undefined" || !navigator.mediaDevices?.getUserMedia || typeof MediaRecorder === "undefined") {
      setState({ kind: "error", name: "NotSupportedError", message: microphoneErrorMessage({ name: "NotSupportedError" }) });
      return;
    }
    setState({ kind: "requesting" });
    let stream: MediaStream;
    try {
      // The raw voice: no noise suppression or gain riding, which would change what the voiceprint sees.
      stream = await navigator.mediaDevices.getUserMedia({ audio: { channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false } });
    } catch (error) {
      setState({ kind: "error", name: error instanceof Error ? error.name : "Error", message: microphoneErrorMessage(error) });
      return;
    }
    const context = new AudioContext();
    await context.resume().catch(() => undefined);
    const analyser = context.createAnalyser();
    analyser.fftSize = 4096;
    context.createMediaStreamSource(stream).connect(analyser);
    const buffer = new Float32Array(analyser.fftSize);

    const mimeType = PREFERRED_TYPES.find((type) => MediaRecorder.isTypeSupported(type));
    const recorder = new MediaRecorder(stream, mimeType ? { mimeType } : undefined);
    const chunks: Blob[] = [];
    recorder.ondataavailable = (event) => {
      if (event.data.size > 0) chunks.push(event.data);
    };
    const tracker = new LevelTracker();
    const startedAt = performance.now();
    let last = startedAt;
    const timer = setInterval(() => {
      const now = performance.now();
      analyser.getFloatTimeDomainData(buffer);
      const levels = tracker.add(buffer, (now - last) / 1000);
      last = now;
      const elapsed = (now - startedAt) / 1000;
      setState({ kind: "recording", elapsed, level: meterFraction(levels.rms), clipping: levels.peak >= CLIP_LEVEL, speechSeconds: tracker.stats().speechSeconds });
      if (elapsed >= maxSeconds) stop(true);
    }, READ_INTERVAL_MS);
    const current: Session = { stream, context, recorder, timer, tracker, startedAt, autoStopped: false };
    session.current = current;
    recorder.onstop = () => {
      release();
      session.current = null;
      const blob = new Blob(chunks, { type: recorder.mimeType || mimeType || "audio/webm" });
      const objectUrl = URL.createObjectURL(blob);
      url.current = objectUrl;
      const seconds = Math.min(maxSeconds, (performance.now() - current.startedAt) / 1000);
      setState({ kind: "recorded", blob, url: objectUrl, seconds, stats: current.tracker.stats(), autoStopped: current.autoStopped });
    };
    recorder.start(250);
    setState({ kind: "recording", elapsed: 0, level: 0, clipping: false, speechSeconds: 0 });
  }, [clear, maxSeconds, release, stop]);

  /** Back to idle: the recording is dropped (the microphone is released if it was still open). */
  const reset = useCallback(() => {
    const current = session.current;
    if (current) {
      current.recorder.onstop = null;
      if (current.recorder.state !== "inactive") current.recorder.stop();
      release();
      session.current = null;
    }
    clear();
    setState({ kind: "idle" });
  }, [clear, release]);

  useEffect(
    () => () => {
      const current = session.current;
      if (current) {
        current.recorder.onstop = null;
        if (current.recorder.state !== "inactive") current.recorder.stop();
        release();
        session.current = null;
      }
      clear();
    },
    [clear, release],
  );

  return { state, start, stop: () => stop(false), reset };
}
