import type { CallDirection } from "@/db/schema";
import { DIRECTION_LABEL } from "./format";

function DirectionIcon({ direction }: { direction: CallDirection }) {
  const common = {
    "aria-hidden": true,
    viewBox: "0 0 20 20",
    fill: "none",
    stroke: "currentColor",
    strokeWidth: 1.8,
    strokeLinecap: "round" as const,
    strokeLinejoin: "round" as const,
    className: "h-4 w-4 shrink-0",
  };
  switch (direction) {
    case "INCOMING":
      // arrow pointing in (down-left)
      return (
        <svg {...common}>
          <path d="M15 5 5 15M5 8v7h7" />
        </svg>
      );
    case "OUTGOING":
      // arrow pointing out (up-right)
      return (
        <svg {...common}>
          <path d="M5 15 15 5M8 5h7v7" />
        </svg>
      );
    case "UNKNOWN":
      return (
        <svg {...common}>
          <path d="M4 10h12" />
        </svg>
      );
  }
}

/** Icon plus text; `compact` hides the text visually but keeps it for screen readers. */
export function DirectionLabel({ direction, compact = false }: { direction: CallDirection; compact?: boolean }) {
  const tone = direction === "INCOMING" ? "text-sky-700" : direction === "OUTGOING" ? "text-violet-700" : "text-slate-500";
  return (
    <span className={`inline-flex items-center gap-1.5 text-sm ${tone}`} data-testid="call-direction" data-direction={direction}>
      <DirectionIcon direction={direction} />
      <span className={compact ? "sr-only" : "text-slate-700"}>{DIRECTION_LABEL[direction]}</span>
    </span>
  );
}
