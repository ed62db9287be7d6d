/** A horizontal level meter (0..1 of -60..0 dBFS) with its label; a `meter` for assistive technology. */
export function LevelMeter({ label, value }: { label: string; value: number }) {
  const percent = Math.round(Math.min(1, Math.max(0, value)) * 100);
  const id = `meter-${label.replace(/\W+/g, "-").toLowerCase()}`;
  return (
    <div>
      <div id={id} className="text-xs font-medium text-slate-600">
        {label}
      </div>
      <div role="meter" aria-labelledby={id} aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent} className="mt-1 h-2.5 w-full overflow-hidden rounded-full bg-slate-100">
        <div className={`h-full rounded-full ${percent > 95 ? "bg-red-500" : "bg-emerald-500"}`} style={{ width: `${percent}%` }} />
      </div>
    </div>
  );
}
