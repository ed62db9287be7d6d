import type { CallStatus, ProcessingStage } from "@/db/schema";
import { CALL_STAGES } from "./timeline-model";
import { STATUS_LABEL } from "./format";

const STYLES: Record<CallStatus, { chip: string; dot: string }> = {
  UPLOADING: { chip: "bg-slate-100 text-slate-700 ring-slate-300", dot: "bg-slate-500" },
  QUEUED: { chip: "bg-amber-50 text-amber-800 ring-amber-300", dot: "bg-amber-500" },
  PROCESSING: { chip: "bg-brand-50 text-brand-700 ring-brand-100", dot: "bg-brand-500 motion-safe:animate-pulse" },
  COMPLETED: { chip: "bg-emerald-50 text-emerald-800 ring-emerald-300", dot: "bg-emerald-500" },
  FAILED: { chip: "bg-red-50 text-red-800 ring-red-300", dot: "bg-red-600" },
};

/** A call's status: colour AND text, so it never depends on colour alone. */
export function StatusChip({ status, stage = null, className = "" }: { status: CallStatus; stage?: ProcessingStage | null; className?: string }) {
  const style = STYLES[status];
  const stageLabel = status === "PROCESSING" && stage ? CALL_STAGES.find((entry) => entry.stage === stage)?.label : undefined;
  return (
    <span
      data-testid="call-status"
      data-status={status}
      className={`inline-flex items-center gap-1.5 whitespace-nowrap rounded-full px-2.5 py-0.5 text-xs font-medium ring-1 ring-inset ${style.chip} ${className}`}
    >
      <span aria-hidden="true" className={`h-1.5 w-1.5 rounded-full ${style.dot}`} />
      {STATUS_LABEL[status]}
      {stageLabel ? <span className="font-normal"> · {stageLabel}</span> : null}
    </span>
  );
}
