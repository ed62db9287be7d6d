import { signOutAction } from "@/app/sign-in/actions";
import { initialOf } from "./initial";

/** "End all sessions" lives in Settings: a rare action, and the header has no room for it beside seven links. */
export function UserMenu({ name, email }: { name: string | null; email: string | null }) {
  const label = name ?? email ?? "Signed in";
  return (
    <div className="flex items-center gap-3">
      <span
        aria-hidden="true"
        className="flex h-8 w-8 items-center justify-center rounded-full bg-brand-100 text-sm font-semibold text-brand-700"
      >
        {initialOf(name ?? email)}
      </span>
      <span className="hidden max-w-[12rem] truncate text-sm font-medium text-slate-700 sm:inline" data-testid="user-name" title={label}>
        {label}
      </span>
      <form action={signOutAction}>
        <button type="submit" className="rounded-lg px-2 py-1 text-sm text-slate-600 hover:bg-slate-100 hover:text-slate-900">
          Sign out
        </button>
      </form>
    </div>
  );
}
