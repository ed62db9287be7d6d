"use client";

import { useCallback, useState } from "react";
import { usePolling } from "@/components/hooks/use-polling";
import { requestJson } from "@/components/lib/http-client";
import type { HealthCheck, ModelStatus, SpeechStatus, StageStatus } from "@/lib/admin/speech";
import { formatBytes, formatSpeed, formatTimeLeft, percentDone } from "./format";

type Busy = { id: string; action: "download" | "cancel" | "remove" } | null;

const api = (id: string) => `/api/admin/speech/models/${encodeURIComponent(id)}`;

/** Settings → Speech for administrators: what runs, its health, and the optional models to download. */
export function SpeechSettings({ initial }: { initial: SpeechStatus }) {
  const [status, setStatus] = useState(initial);
  const [busy, setBusy] = useState<Busy>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [confirmRemove, setConfirmRemove] = useState<string | null>(null);
  const active = status.models.some((m) => m.state === "downloading" || m.state === "interrupted");

  usePolling(
    async (signal) => {
      try {
        const next = await requestJson<{ speech: SpeechStatus }>("/api/admin/speech", { signal });
        if (!signal.aborted) setStatus(next.speech);
      } catch {
        // A missed poll is retried on the next tick.
      }
    },
    { enabled: active, intervalMs: 1000 },
  );

  const act = useCallback(async (id: string, action: NonNullable<Busy>["action"]) => {
    setBusy({ id, action });
    setErrors((e) => ({ ...e, [id]: "" }));
    try {
      const url = action === "remove" ? api(id) : `${api(id)}/download`;
      const next = await requestJson<{ speech: SpeechStatus }>(url, { method: action === "download" ? "POST" : "DELETE" });
      setStatus(next.speech);
      if (action === "remove") setConfirmRemove(null);
    } catch (error) {
      setErrors((e) => ({ ...e, [id]: error instanceof Error ? error.message : String(error) }));
      // The server may have recorded the failure: show its state too.
      const fresh = await requestJson<{ speech: SpeechStatus }>("/api/admin/speech").catch(() => null);
      if (fresh) setStatus(fresh.speech);
    } finally {
      setBusy(null);
    }
  }, []);

  return (
    <div className="space-y-8" data-testid="speech-settings">
      <section aria-labelledby="engines-heading">
        <h2 id="engines-heading" className="text-lg font-semibold">
          What runs now
        </h2>
        <p className="mt-1 text-sm text-slate-600">Per stage: the provider the configuration names, and the engine the next call uses.</p>
        <ul className="mt-3 grid gap-3 md:grid-cols-3">
          {status.stages.map((stage) => (
            <StageCard key={stage.stage} stage={stage} />
          ))}
        </ul>
      </section>

      <section aria-labelledby="health-heading">
        <h2 id="health-heading" className="text-lg font-semibold">
          Health
        </h2>
        <ul className="mt-3 divide-y divide-slate-200 rounded-xl border border-slate-200 bg-white">
          {status.health.map((check) => (
            <HealthRow key={check.id} check={check} />
          ))}
        </ul>
      </section>

      <section aria-labelledby="models-heading">
        <h2 id="models-heading" className="text-lg font-semibold">
          Optional models
        </h2>
        <p className="mt-1 text-sm text-slate-600">
          Better local quality: each model is downloaded by this server, checked against its pinned SHA-256, and used by the next call. A server without internet access
          can get them from a machine that has it: run <Code>{status.pullCommand}</Code> there and copy the models directory (<Code>{status.modelsDir}</Code>) here.
        </p>
        <ul className="mt-3 space-y-3">
          {status.models.map((model) => (
            <ModelCard
              key={model.id}
              model={model}
              busy={busy?.id === model.id ? busy.action : null}
              error={errors[model.id] || null}
              confirmingRemove={confirmRemove === model.id}
              onDownload={() => act(model.id, "download")}
              onCancel={() => act(model.id, "cancel")}
              onAskRemove={() => setConfirmRemove(model.id)}
              onKeep={() => setConfirmRemove(null)}
              onRemove={() => act(model.id, "remove")}
            />
          ))}
        </ul>
      </section>
    </div>
  );
}

function Code({ children }: { children: React.ReactNode }) {
  return <code className="break-all rounded bg-slate-100 px-1 py-0.5 font-mono text-[0.85em] text-slate-800">{children}</code>;
}

function StageCard({ stage }: { stage: StageStatus }) {
  return (
    <li className="rounded-xl border border-slate-200 bg-white p-4" data-testid={`stage-${stage.stage}`}>
      <h3 className="text-sm font-medium text-slate-900">{stage.label}</h3>
      <p className="mt-2 text-sm text-slate-800">{stage.engine}</p>
      <dl className="mt-2 space-y-1 text-xs text-slate-600">
        <div className="flex flex-wrap gap-x-1">
          <dt>Configured:</dt>
          <dd className="font-mono">{stage.configured}</dd>
        </div>
        <div className="flex flex-wrap gap-x-1">
          <dt>Runs as:</dt>
          <dd className="font-mono" data-testid={`stage-${stage.stage}-running`}>
            {stage.running}
          </dd>
        </div>
      </dl>
      {stage.quality === "draft" ? <p className="mt-2 inline-block rounded bg-amber-50 px-2 py-0.5 text-xs text-amber-900">Draft quality</p> : null}
    </li>
  );
}

function HealthRow({ check }: { check: HealthCheck }) {
  return (
    <li className="flex gap-3 p-3 text-sm" data-testid={`health-${check.id}`} data-ok={check.ok}>
      <span aria-hidden="true" className={check.ok ? "text-emerald-600" : "text-rose-600"}>
        {check.ok ? "✓" : "✗"}
      </span>
      <div className="min-w-0">
        <p className="font-medium text-slate-900">
          {check.label}
          <span className="sr-only">{check.ok ? ": OK" : ": problem"}</span>
        </p>
        <p className="text-slate-600">{check.detail}</p>
        {check.fix ? (
          <p className="mt-1 text-slate-700">
            Fix: <Code>{check.fix}</Code>
          </p>
        ) : null}
      </div>
    </li>
  );
}

const STATE_LABEL: Record<ModelStatus["state"], string> = {
  installed: "Installed",
  missing: "Not installed",
  broken: "Present but not usable",
  downloading: "Downloading",
  interrupted: "Interrupted (resumes)",
  failed: "Download failed",
};

const STATE_CLASS: Record<ModelStatus["state"], string> = {
  installed: "bg-emerald-50 text-emerald-800",
  missing: "bg-slate-100 text-slate-700",
  broken: "bg-rose-50 text-rose-800",
  downloading: "bg-sky-50 text-sky-800",
  interrupted: "bg-sky-50 text-sky-800",
  failed: "bg-rose-50 text-rose-800",
};

const button =
  "rounded-lg px-3 py-1.5 text-sm font-medium focus-visible:outline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-slate-900 disabled:cursor-not-allowed disabled:opacity-60";

function ModelCard(props: {
  model: ModelStatus;
  busy: NonNullable<Busy>["action"] | null;
  error: string | null;
  confirmingRemove: boolean;
  onDownload: () => void;
  onCancel: () => void;
  onAskRemove: () => void;
  onKeep: () => void;
  onRemove: () => void;
}) {
  const { model, busy, error } = props;
  const headingId = `model-${model.id}-heading`;
  const download = model.download;
  const failure = model.state === "failed" ? download?.error?.message : null;
  return (
    <li className="rounded-xl border border-slate-200 bg-white p-4" aria-labelledby={headingId} data-testid={`model-${model.id}`} data-state={model.state}>
      <div className="flex flex-wrap items-start justify-between gap-2">
        <div className="min-w-0">
          <h3 id={headingId} className="font-medium text-slate-900">
            {model.title}
          </h3>
          <p className="text-xs text-slate-600">
            {model.roleLabel} · {formatBytes(model.sizeBytes)} · {model.license}
            {model.testModel ? " · test model (never loaded by the engine)" : ""}
          </p>
        </div>
        <div className="flex flex-wrap items-center gap-2">
          {model.inUse ? <span className="rounded bg-emerald-600 px-2 py-0.5 text-xs font-medium text-white">In use</span> : null}
          <span className={`rounded px-2 py-0.5 text-xs font-medium ${STATE_CLASS[model.state]}`} data-testid={`model-${model.id}-state`}>
            {STATE_LABEL[model.state]}
            {model.state === "installed" && model.trust ? `, verified (${model.trust})` : ""}
          </span>
        </div>
      </div>
      <p className="mt-2 text-sm text-slate-700">{model.improves}</p>
      {model.state === "broken" && model.problem ? <p className="mt-2 text-sm text-rose-800">{model.problem}</p> : null}

      {model.state === "downloading" || model.state === "interrupted" ? <Progress model={model} /> : null}

      {failure || error ? (
        <div role="alert" className="mt-3 rounded-lg bg-rose-50 px-3 py-2 text-sm text-rose-900">
          <p>{error || failure}</p>
        </div>
      ) : null}

      {!model.pinned && model.state !== "installed" ? (
        <p className="mt-2 text-sm text-slate-600">
          Its SHA-256 is not pinned, so this page does not download it. To trust a first download, run <Code>{model.pullCommand}</Code>.
        </p>
      ) : null}

      <div className="mt-3 flex flex-wrap items-center gap-2">
        {model.canDownload ? (
          <button type="button" className={`${button} bg-slate-900 text-white hover:bg-slate-700`} onClick={props.onDownload} disabled={busy !== null} aria-describedby={headingId}>
            {busy === "download" ? "Starting…" : model.state === "failed" || model.state === "interrupted" ? "Retry download" : "Download"}
            <span className="sr-only"> {model.title}</span>
          </button>
        ) : null}
        {model.state === "downloading" || model.state === "failed" || model.state === "interrupted" ? (
          <button type="button" className={`${button} border border-slate-300 text-slate-800 hover:bg-slate-50`} onClick={props.onCancel} disabled={busy !== null}>
            {busy === "cancel" ? "Cancelling…" : model.state === "failed" ? "Dismiss" : "Cancel download"}
            <span className="sr-only"> of {model.title}</span>
          </button>
        ) : null}
        {model.state === "installed" && !props.confirmingRemove ? (
          <button type="button" className={`${button} border border-slate-300 text-slate-800 hover:bg-slate-50`} onClick={props.onAskRemove} disabled={busy !== null}>
            Remove<span className="sr-only"> {model.title}</span>
          </button>
        ) : null}
        {model.state === "installed" && props.confirmingRemove ? (
          <div role="group" aria-label={`Remove ${model.title}?`} className="flex flex-wrap items-center gap-2 text-sm">
            <span className="text-slate-700">Remove it? The next call uses the engine without it.</span>
            <button type="button" className={`${button} bg-rose-700 text-white hover:bg-rose-600`} onClick={props.onRemove} disabled={busy !== null}>
              {busy === "remove" ? "Removing…" : "Remove model"}
            </button>
            <button type="button" className={`${button} border border-slate-300 text-slate-800 hover:bg-slate-50`} onClick={props.onKeep} disabled={busy !== null} autoFocus>
              Keep
            </button>
          </div>
        ) : null}
      </div>
      {model.state === "failed" || (!model.canDownload && model.state === "missing" && model.pinned) ? (
        <p className="mt-2 text-xs text-slate-600">
          Or on a machine with internet access: <Code>{model.pullCommand}</Code>
        </p>
      ) : null}
    </li>
  );
}

function Progress({ model }: { model: ModelStatus }) {
  const d = model.download;
  if (!d) return null;
  const pct = percentDone(d.received, d.total);
  const speed = formatSpeed(d.bytesPerSecond);
  const left = formatTimeLeft(d.secondsLeft);
  const phase =
    model.state === "interrupted"
      ? "Interrupted by a restart; it continues where it stopped."
      : d.phase === "verifying"
        ? "Checking the SHA-256…"
        : d.phase === "installing"
          ? "Unpacking and installing…"
          : d.phase === "starting"
            ? "Connecting…"
            : null;
  return (
    <div className="mt-3" data-testid={`model-${model.id}-progress`}>
      <div
        role="progressbar"
        aria-label={`Download of ${model.title}`}
        aria-valuemin={0}
        aria-valuemax={100}
        {...(pct !== null ? { "aria-valuenow": pct } : {})}
        aria-valuetext={`${formatBytes(d.received)}${d.total ? ` of ${formatBytes(d.total)}` : ""}`}
        className="h-2 w-full overflow-hidden rounded-full bg-slate-200"
      >
        <div className="h-full rounded-full bg-sky-600 transition-[width]" style={{ width: `${pct ?? 0}%` }} />
      </div>
      <p className="mt-1 flex flex-wrap gap-x-3 text-xs text-slate-600">
        <span>
          {formatBytes(d.received)}
          {d.total ? ` of ${formatBytes(d.total)}` : ""}
          {pct !== null ? ` (${pct}%)` : ""}
        </span>
        {speed ? <span>{speed}</span> : null}
        {left ? <span>{left}</span> : null}
        {phase ? <span>{phase}</span> : null}
      </p>
    </div>
  );
}
