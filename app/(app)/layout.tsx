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
        <div className="mx-auto flex h-14 max-w-6xl items-center justify-between gap-4 px-4">
          <div className="flex items-center gap-6">
            <Link href="/calls" aria-label="Scryon home">
              <Logo size="sm" />
            </Link>
            <nav aria-label="Main" className="flex items-center gap-1">
              <NavLink href="/calls">Calls</NavLink>
              <NavLink href="/upload">Upload</NavLink>
            </nav>
          </div>
          <UserMenu name={user.displayName} email={user.email} />
        </div>
      </header>
      <main id="main" className="mx-auto max-w-6xl px-4 py-8">
        {children}
      </main>
    </div>
  );
}
