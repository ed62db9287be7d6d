import Link from "next/link";
import { Logo } from "@/components/shell/Logo";
import { NavLink } from "@/components/shell/NavLink";
import { UserMenu } from "@/components/shell/UserMenu";
import { requireUserForCurrentPath } from "@/lib/auth/page-user";

export default async function SignedInLayout({ children }: { children: React.ReactNode }) {
  const user = await requireUserForCurrentPath();
  return (
    <div className="min-h-screen">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-4 focus:top-4 focus:rounded focus:bg-white focus:px-3 focus:py-2">
        Skip to content
      </a>
      <header className="border-b border-slate-200 bg-white">
        {/* On a phone the nav takes a row of its own under the logo and the user menu, wrapping rather than hiding a link off-screen. */}
        <div className="mx-auto flex max-w-6xl flex-wrap items-center justify-between gap-x-6 gap-y-1 px-4 py-2 sm:h-14 sm:flex-nowrap sm:py-0">
          <Link href="/calls" aria-label="Scryon home">
            <Logo size="sm" />
          </Link>
          <nav aria-label="Main" className="order-last -mx-1 flex w-full flex-wrap items-center gap-1 sm:order-none sm:mx-0 sm:w-auto sm:flex-1 sm:flex-nowrap sm:overflow-x-auto">
            <NavLink href="/calls">Calls</NavLink>
            <NavLink href="/action-items">
              <span className="whitespace-nowrap">Action items</span>
            </NavLink>
            <NavLink href="/record">Record</NavLink>
            <NavLink href="/upload">Upload</NavLink>
            <NavLink href="/voice-profile">
              <span className="whitespace-nowrap">Voice profile</span>
            </NavLink>
            <NavLink href="/search">Search</NavLink>
            <NavLink href="/settings">Settings</NavLink>
          </nav>
          <UserMenu name={user.displayName} email={user.email} />
        </div>
      </header>
      <main id="main" className="mx-auto max-w-6xl px-4 py-8">
        {children}
      </main>
    </div>
  );
}
