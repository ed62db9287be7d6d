export function Logo({ size = "lg" }: { size?: "sm" | "lg" }) {
  return (
    <span className={`inline-flex items-center gap-2 font-semibold tracking-tight ${size === "lg" ? "text-2xl" : "text-lg"}`}>
      <svg aria-hidden="true" viewBox="0 0 24 24" className={size === "lg" ? "h-8 w-8" : "h-6 w-6"}>
        <rect width="24" height="24" rx="6" className="fill-brand-600" />
        <path d="M6 14v-4M9.5 17V7M13 15V9M16.5 13v-2" stroke="white" strokeWidth="2" strokeLinecap="round" />
      </svg>
      Scryon
    </span>
  );
}
