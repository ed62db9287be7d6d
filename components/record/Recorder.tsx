"use client";

import Link from "next/link";
import { useCallback, useEffect, useRef, useState } from "react";
import { CallMetadataFields, type CallMetadataFieldName, type CallMetadataValues } from "@/components/calls/CallMetadataFields";
import { patchCall } from "@/components/calls/api";
import { toDatetimeLocal } from "@/components/upload/format";
import { microphoneErrorMessage } from "@/components/voice-profile/messages";
import { callMetadataSchema } from "@/lib/calls/metadata";
import type { QueueState } from "@/lib/recording/chunk-queue";
import { defaultRecordingTitle } from "@/lib/recording/chunk-queue";
import { loadSession, type RecordingSession } from "@/lib/recording/browser-store";
import { LevelMeter } from "./LevelMeter";
import { discardStoredRecording, finishStoredRecording, RecordingRun, type Levels } from "./session";

type Phase =
  | { kind: "setup" }
  | { kind: "starting" }
  | { kind: "recording" }
  | { kind: "paused" }
  | { kind: "finishing" }
  | { kind: "done"; callId: string; title: string; saved: boolean }
  | { kind: "error"; message: string };

const DIRECTION_OPTIONS = [
  { value: "UNKNOWN", label: "Not sure" },
  { value: "INCOMING", label: "Incoming (they called)" },
  { value: "OUTGOING", label: "Outgoing (I called)" },
] as const;

const inputClassName = (invalid: boolean) =>
  `mt-1 block w-full rounded-lg border px-3 py-2 text-sm shadow-sm focus:outline-none focus:ring-2 focus:ring-brand-500 ${invalid ? "border-red-500" : "border-slate-300"}`;

const PRIMARY = "rounded-lg bg-brand-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-brand-700 focus-visible:outline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600 disabled:cursor-wait disabled:opacity-70";
const SECONDARY = "rounded-lg border border-slate-300 bg-white px-4 py-2 text-sm font-medium text-slate-700 hover:bg-slate-50 focus-visible:outline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600 disabled:opacity-60";
const DANGER = "rounded-lg bg-red-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-red-700 focus-visible:outline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-red-600 disabled:opacity-70";

const emptyFields = (): CallMetadataValues => ({ title: "", contactName: "", phoneNumber: "", organization: "", direction: "UNKNOWN", recordedAt: "" });

function formatClock(seconds: number): string {
  const whole = Math.floor(seconds);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = whole % 60;
  const pad = (n: number) => String(n).padStart(2, "0");
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${pad(m)}:${pad(s)}`;
}

function formatSize(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  return `${Math.max(0, Math.round(bytes / 1024))} KB`;
}

/** The metadata fields as the API takes them (empty ones left out). */
function toMetadata(values: CallMetadataValues): { ok: true; metadata: Record<string, string> } | { ok: false; errors: Partial<Record<CallMetadataFieldName, string>> } {
  const recordedAt = values.recordedAt ? new Date(values.recordedAt) : undefined;
  const raw = {
    title: values.title,
    contactName: values.contactName,
    phoneNumber: values.phoneNumber,
    organization: values.organization,
    direction: values.direction,
    recordedAt: recordedAt && !Number.isNaN(recordedAt.getTime()) ? recordedAt.toISOString() : undefined,
  };
  const parsed = callMetadataSchema.safeParse(raw);
  if (!parsed.success) {
    const errors: Partial<Record<CallMetadataFieldName, string>> = {};
    for (const issue of parsed.error.issues) {
      const name = issue.path[0] as CallMetadataFieldName;
      errors[name] ??= `${issue.message.charAt(0).toUpperCase()}${issue.message.slice(1)}.`;
    }
    return { ok: false, errors };
  }
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) if (typeof value === "string" && value.trim() !== "") metadata[key] = value.trim();
  return { ok: true, metadata };
}

/** Why the meeting's audio could not be had (a `getDisplayMedia` rejection or a share without audio). */
function meetingAudioMessage(error: unknown): string {
  const name = error && typeof error === "object" && "name" in error ? String((error as { name: unknown }).name) : "";
  if (name === "NotAllowedError") return "The meeting's audio was not shared (the picker was closed or sharing was refused). Recording your microphone only.";
  if (name === "NoAudio") {
    return "The shared tab or screen came without audio: this browser or system offers no tab or system audio here (Chromium on a desktop can share a tab's audio; tick “Share tab audio” in the picker). Recording your microphone only.";
  }
  return "This browser cannot share a meeting's audio (tab and system audio capture need Chromium on a desktop). Recording your microphone only.";
}

export function Recorder({ chunkMs, heartbeatMs }: { chunkMs: number; heartbeatMs: number }) {
  const [phase, setPhase] = useState<Phase>({ kind: "setup" });
  const [fields, setFields] = useState<CallMetadataValues>(emptyFields);
  const [errors, setErrors] = useState<Partial<Record<CallMetadataFieldName, string>>>({});
  const [withMeeting, setWithMeeting] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [queue, setQueue] = useState<QueueState | null>(null);
  const [levels, setLevels] = useState<Levels>({ mic: 0, meeting: null });
  const [elapsed, setElapsed] = useState(0);
  const [unfinished, setUnfinished] = useState<RecordingSession | null>(null);
  const [busy, setBusy] = useState(false);
  const run = useRef<RecordingRun | null>(null);
  const wakeLock = useRef<WakeLockSentinel | null>(null);
  const heading = useRef<HTMLHeadingElement | null>(null);
  const pauseButton = useRef<HTMLButtonElement | null>(null);
  const resumeButton = useRef<HTMLButtonElement | null>(null);
  const doneLink = useRef<HTMLAnchorElement | null>(null);

  const active = phase.kind === "recording" || phase.kind === "paused" || phase.kind === "finishing" || phase.kind === "starting";

  // A recording this browser did not finish (the tab closed, the laptop slept): offer to finish it.
  useEffect(() => {
    const stored = loadSession();
    // eslint-disable-next-line react-hooks/set-state-in-effect -- localStorage is only readable after hydration
    if (stored) setUnfinished(stored);
  }, []);

  // While recording: levels and timer ten times a second.
  useEffect(() => {
    if (phase.kind !== "recording" && phase.kind !== "paused") return;
    const timer = setInterval(() => {
      const current = run.current;
      if (!current) return;
      setLevels(current.levels());
      setElapsed(current.elapsedSeconds());
    }, 100);
    return () => clearInterval(timer);
  }, [phase.kind]);

  // Closing the tab while recording asks first (the server keeps what it has, but the rest would be lost).
  useEffect(() => {
    if (!active) return;
    const warn = (event: BeforeUnloadEvent) => {
      event.preventDefault();
      event.returnValue = "";
    };
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [active]);

  // The Screen Wake Lock, where the browser has it: a phone's screen does not lock (and stop the recorder).
  useEffect(() => {
    if (phase.kind !== "recording" && phase.kind !== "paused") return;
    if (!("wakeLock" in navigator)) return;
    let cancelled = false;
    const acquire = async () => {
      if (document.visibilityState !== "visible" || wakeLock.current) return;
      try {
        const sentinel = await navigator.wakeLock.request("screen");
        if (cancelled) {
          void sentinel.release();
          return;
        }
        wakeLock.current = sentinel;
        sentinel.addEventListener("release", () => {
          if (wakeLock.current === sentinel) wakeLock.current = null;
        });
      } catch {
        // refused (battery saver, no user gesture): recording goes on without it
      }
    };
    void acquire();
    const onVisible = () => void acquire();
    document.addEventListener("visibilitychange", onVisible);
    return () => {
      cancelled = true;
      document.removeEventListener("visibilitychange", onVisible);
      void wakeLock.current?.release().catch(() => undefined);
      wakeLock.current = null;
    };
  }, [phase.kind]);

  useEffect(() => () => run.current?.release(), []);

  // The control that replaced the one just pressed takes the focus (Start → Pause ⇄ Resume, Stop → Open the call).
  useEffect(() => {
    if (phase.kind === "recording") pauseButton.current?.focus();
    if (phase.kind === "paused") resumeButton.current?.focus();
    if (phase.kind === "done") doneLink.current?.focus();
  }, [phase.kind]);

  const onFieldChange = useCallback((name: CallMetadataFieldName, value: string) => {
    setFields((current) => ({ ...current, [name]: value }));
    setErrors((current) => ({ ...current, [name]: undefined }));
  }, []);

  const start = async () => {
    setNotice(null);
    const startedAt = new Date();
    const values = { ...fields, title: fields.title.trim() || defaultRecordingTitle(startedAt), recordedAt: fields.recordedAt || toDatetimeLocal(startedAt.getTime()) };
    const checked = toMetadata(values);
    if (!checked.ok) {
      setErrors(checked.errors);
      return;
    }
    setFields(values);
    if (typeof navigator === "undefined" || !navigator.mediaDevices?.getUserMedia || typeof MediaRecorder === "undefined") {
      setPhase({ kind: "error", message: microphoneErrorMessage({ name: "NotSupportedError" }) });
      return;
    }
    setPhase({ kind: "starting" });
    let mic: MediaStream;
    try {
      mic = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true } });
    } catch (error) {
      setPhase({ kind: "error", message: microphoneErrorMessage(error) });
      return;
    }
    let meeting: MediaStream | null = null;
    if (withMeeting) {
      try {
        if (!navigator.mediaDevices.getDisplayMedia) throw Object.assign(new Error("unsupported"), { name: "NotSupportedError" });
        const shared = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: true });
        if (shared.getAudioTracks().length === 0) {
          for (const track of shared.getTracks()) track.stop();
          throw Object.assign(new Error("no audio"), { name: "NoAudio" });
        }
        meeting = shared;
      } catch (error) {
        setNotice(meetingAudioMessage(error));
      }
    }
    try {
      run.current = await RecordingRun.start({ mic, meeting, metadata: checked.metadata, title: values.title, chunkMs, heartbeatMs, onQueue: setQueue });
      setUnfinished(null);
      setElapsed(0);
      setPhase({ kind: "recording" });
    } catch (error) {
      for (const stream of [mic, meeting]) for (const track of stream?.getTracks() ?? []) track.stop();
      setPhase({ kind: "error", message: error instanceof Error ? error.message : "The recording could not start." });
    }
  };

  const pause = () => {
    run.current?.pause();
    setPhase({ kind: "paused" });
  };
  const resume = () => {
    run.current?.resume();
    setPhase({ kind: "recording" });
  };

  /** The fields as they are when the recording ends: sent to the call (the upload carried the first ones). */
  const saveFields = async (callId: string): Promise<{ saved: boolean; title: string }> => {
    const checked = toMetadata(fields);
    if (!checked.ok) {
      setErrors(checked.errors);
      return { saved: false, title: fields.title };
    }
    try {
      const call = await patchCall(callId, checked.metadata);
      return { saved: true, title: call.title };
    } catch {
      return { saved: false, title: fields.title };
    }
  };

  const stop = async () => {
    const current = run.current;
    if (!current) return;
    setPhase({ kind: "finishing" });
    try {
      const callId = await current.stop();
      run.current = null;
      const { saved, title } = await saveFields(callId);
      setPhase({ kind: "done", callId, title, saved });
    } catch (error) {
      setPhase({ kind: "error", message: `${error instanceof Error ? error.message : "The recording could not be finished."} What reached the server is kept and will be processed.` });
    }
  };

  const finishUnfinished = async () => {
    if (!unfinished) return;
    setBusy(true);
    setPhase({ kind: "finishing" });
    try {
      const callId = await finishStoredRecording(unfinished, setQueue);
      setPhase({ kind: "done", callId, title: unfinished.title, saved: true });
    } catch (error) {
      setPhase({ kind: "error", message: error instanceof Error ? error.message : "The recording could not be finished." });
    } finally {
      setUnfinished(null);
      setBusy(false);
    }
  };

  const discardUnfinished = async () => {
    if (!unfinished) return;
    setBusy(true);
    await discardStoredRecording(unfinished);
    setUnfinished(null);
    setBusy(false);
  };

  const again = () => {
    setFields(emptyFields());
    setQueue(null);
    setNotice(null);
    setPhase({ kind: "setup" });
    heading.current?.focus();
  };

  // Status line for the live region: what is happening and whether every second is safe.
  const pending = queue ? queue.pending : 0;
  let status = "Ready to record.";
  if (phase.kind === "starting") status = "Starting: allow the microphone if the browser asks.";
  if (phase.kind === "recording") status = "Recording.";
  if (phase.kind === "paused") status = "Paused.";
  if (phase.kind === "finishing") status = "Saving the last seconds…";
  if (phase.kind === "done") status = "Saved. The call is being processed.";
  if (phase.kind === "error") status = "The recording stopped.";
  const upload =
    queue && (phase.kind === "recording" || phase.kind === "paused" || phase.kind === "finishing")
      ? queue.offline
        ? `Offline: ${formatSize(pending)} kept in this browser, sent when the connection is back.`
        : pending > 0
          ? `Sending… ${formatSize(queue.confirmed)} on the server.`
          : `All saved on the server (${formatSize(queue.confirmed)}).`
      : null;

  const recording = phase.kind === "recording" || phase.kind === "paused";

  return (
    <div className="space-y-6">
      <h1 ref={heading} tabIndex={-1} className="text-2xl font-semibold tracking-tight focus:outline-none">
        Record a call
      </h1>
      <p className="-mt-4 text-sm text-slate-600">
        Record your microphone — and, on a computer, the meeting&apos;s audio on its own channel. Every few seconds the recording is saved on the server, so closing the tab loses seconds at most.
      </p>

      {unfinished && phase.kind === "setup" ? (
        <section aria-labelledby="unfinished-title" className="rounded-xl border border-amber-300 bg-amber-50 p-4">
          <h2 id="unfinished-title" className="text-sm font-semibold text-amber-900">
            An unfinished recording from this browser
          </h2>
          <p className="mt-1 text-sm text-amber-900">
            “{unfinished.title || "Recording"}”{unfinished.startedAt ? `, started ${new Date(unfinished.startedAt).toLocaleString()}` : ""}. Send what this browser still has and process it, or discard it.
          </p>
          <div className="mt-3 flex flex-wrap gap-3">
            <button type="button" className={PRIMARY} onClick={() => void finishUnfinished()} disabled={busy}>
              Finish the unfinished recording
            </button>
            <button type="button" className={SECONDARY} onClick={() => void discardUnfinished()} disabled={busy}>
              Discard it
            </button>
          </div>
        </section>
      ) : null}

      <section aria-labelledby="recorder-title" className="rounded-xl border border-slate-200 bg-white p-4 shadow-sm sm:p-6">
        <h2 id="recorder-title" className="sr-only">
          Recorder
        </h2>
        <div className="flex flex-wrap items-center justify-between gap-4">
          <div>
            <p className="text-sm font-medium text-slate-600">Time recorded</p>
            <p className="font-mono text-4xl font-semibold tabular-nums text-slate-900" role="timer" aria-label="Time recorded">
              {formatClock(elapsed)}
            </p>
          </div>
          <div className="flex flex-wrap gap-3">
            {phase.kind === "setup" || phase.kind === "starting" ? (
              <button type="button" className={PRIMARY} onClick={() => void start()} disabled={phase.kind === "starting"}>
                <span aria-hidden="true" className="mr-2 inline-block h-2.5 w-2.5 rounded-full bg-white align-middle" />
                Start recording
              </button>
            ) : null}
            {phase.kind === "recording" ? (
              <button ref={pauseButton} type="button" className={SECONDARY} onClick={pause}>
                Pause
              </button>
            ) : null}
            {phase.kind === "paused" ? (
              <button ref={resumeButton} type="button" className={SECONDARY} onClick={resume}>
                Resume
              </button>
            ) : null}
            {recording ? (
              <button type="button" className={DANGER} onClick={() => void stop()}>
                Stop and save
              </button>
            ) : null}
          </div>
        </div>

        <div className="mt-4 space-y-3">
          <LevelMeter label="Microphone level" value={recording ? levels.mic : 0} />
          {levels.meeting !== null && recording ? <LevelMeter label="Meeting audio level" value={levels.meeting} /> : null}
        </div>

        {/* The live region says what changes the user must know (state, offline/online), not every chunk sent. */}
        <div role="status" aria-live="polite" className="mt-4 text-sm text-slate-700">
          <p data-testid="recorder-status">{status}</p>
          {queue?.offline && recording ? <p className="sr-only">The connection is lost; the recording goes on and is kept in this browser.</p> : null}
        </div>
        {upload ? (
          <p data-testid="upload-status" className={`text-sm ${queue?.offline ? "text-amber-800" : "text-slate-600"}`}>
            {upload}
          </p>
        ) : null}
        {notice ? (
          <p role="alert" className="mt-3 rounded-lg bg-amber-50 p-3 text-sm text-amber-900">
            {notice}
          </p>
        ) : null}

        {phase.kind === "setup" || phase.kind === "starting" ? (
          <div className="mt-4 flex items-start gap-3">
            <input
              id="record-meeting"
              type="checkbox"
              checked={withMeeting}
              onChange={(event) => setWithMeeting(event.target.checked)}
              className="mt-0.5 h-4 w-4 rounded border-slate-300"
              aria-describedby="record-meeting-hint"
            />
            <div>
              <label htmlFor="record-meeting" className="text-sm font-medium text-slate-800">
                Also record the meeting&apos;s audio (a browser tab or the screen)
              </label>
              <p id="record-meeting-hint" className="text-xs text-slate-500">
                Your microphone goes on the left channel and the meeting on the right, so Scryon knows exactly which voice is yours. Tab audio needs Chromium on a desktop.
              </p>
            </div>
          </div>
        ) : null}
      </section>

      {phase.kind === "error" ? (
        <div role="alert" className="rounded-xl border border-red-200 bg-red-50 p-4 text-sm text-red-800">
          <p>{phase.message}</p>
          <button type="button" className={`${SECONDARY} mt-3`} onClick={again}>
            Start over
          </button>
        </div>
      ) : null}

      {phase.kind === "done" ? (
        <div className="rounded-xl border border-emerald-200 bg-emerald-50 p-4 text-sm text-emerald-900">
          <p>
            “{phase.title}” is saved and being processed.{phase.saved ? "" : " The details could not be saved; edit them on the call page."}
          </p>
          <div className="mt-3 flex flex-wrap gap-3">
            <Link ref={doneLink} href={`/calls/${phase.callId}`} className={PRIMARY}>
              Open the call
            </Link>
            <button type="button" className={SECONDARY} onClick={again}>
              Record another
            </button>
          </div>
        </div>
      ) : null}

      {phase.kind !== "done" ? (
        <form
          aria-labelledby="details-title"
          className="rounded-xl border border-slate-200 bg-white p-4 shadow-sm sm:p-6"
          onSubmit={(event) => event.preventDefault()}
          noValidate
        >
          <h2 id="details-title" className="text-base font-semibold text-slate-900">
            Details
          </h2>
          <p className="mt-1 text-xs text-slate-500">Saved with the call when you stop; you can edit them while recording.</p>
          <fieldset className="mt-4 grid gap-4 sm:grid-cols-2" disabled={phase.kind === "finishing"}>
            <legend className="sr-only">Call details</legend>
            <CallMetadataFields
              values={fields}
              errors={errors}
              fieldId={(name) => `record-${name}`}
              onChange={onFieldChange}
              directionOptions={DIRECTION_OPTIONS}
              inputClassName={inputClassName}
              inputProps={{ title: { placeholder: "Recording, <date> <time>", maxLength: 200 } }}
              hints={{ title: "Left empty, the recording is named after the time it starts." }}
            />
          </fieldset>
        </form>
      ) : null}
    </div>
  );
}
