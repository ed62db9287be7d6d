import { NavLink } from "@/components/shell/NavLink";

/** The settings sections. Each section's page lives under app/(app)/settings/<section>/. */
export const SETTINGS_SECTIONS = [
  { href: "/settings/tokens", label: "API tokens", description: "Personal tokens for scripts and other systems to use the API." },
  { href: "/settings/webhooks", label: "Webhooks", description: "Tell another system when a call is done or an action item changes." },
  { href: "/settings/speech", label: "Speech", description: "Which speech engines run, and the better models to download." },
] as const;

export function SettingsNav() {
  return (
    <nav aria-label="Settings" className="-mx-1 flex flex-wrap gap-1 border-b border-slate-200 pb-3">
      {SETTINGS_SECTIONS.map((section) => (
        <NavLink key={section.href} href={section.href}>
          <span className="whitespace-nowrap">{section.label}</span>
        </NavLink>
      ))}
    </nav>
  );
}
