import { useCallback, useEffect, useMemo, useRef, useState } from "preact/hooks";
import { engine, onUnauthorized, toProblem, type ApiProblem } from "./api.js";
import { Link } from "./components/link.js";
import { Loading } from "./components/page.js";
import { Ctx, useConsole, type ConsoleContext } from "./context.js";
import { match, useRoute, type Route } from "./router.js";
import { clearApiKey, ORGANISATION_SIGN_OUT, whoAmI, type Session } from "./session.js";
import type { Action } from "./types.js";
import { DashboardPage } from "./pages/dashboard.js";
import { DataMapPage } from "./pages/data-map.js";
import { HoldsPage } from "./pages/holds.js";
import { NewRequestPage } from "./pages/new-request.js";
import { QueuePage } from "./pages/queue.js";
import { RequestPage } from "./pages/request.js";
import { SignInPage } from "./pages/sign-in.js";
import { StatusPage } from "./pages/status.js";
import { SweepsPage } from "./pages/sweeps.js";

// The shell: sign-in until the engine knows the caller, then header (organisation, role, sign
// out), left navigation, and the page of the current route in <main>. Pages and buttons appear
// only for the actions GET /api/me lists; the engine checks every call again.

type State = { readonly kind: "checking" } | { readonly kind: "signed-out"; readonly notice?: string; readonly problem?: ApiProblem } | { readonly kind: "signed-in"; readonly session: Session };

interface NavItem {
  readonly to: string;
  readonly label: string;
  readonly action: Action;
  readonly matches: (path: string) => boolean;
}

const NAV: readonly NavItem[] = [
  { to: "/", label: "Queue", action: "request:read", matches: (p) => p === "/" || (p.startsWith("/requests/") && p !== "/requests/new") },
  { to: "/requests/new", label: "New request", action: "request:open", matches: (p) => p === "/requests/new" },
  { to: "/dashboard", label: "Dashboard", action: "request:read", matches: (p) => p === "/dashboard" },
  { to: "/holds", label: "Legal holds", action: "request:read", matches: (p) => p === "/holds" },
  { to: "/status", label: "Subject status", action: "status:read", matches: (p) => p === "/status" },
  { to: "/sweeps", label: "Sweeps", action: "sweep:read", matches: (p) => p === "/sweeps" },
  { to: "/data-map", label: "Data map", action: "request:read", matches: (p) => p === "/data-map" },
];

export function App() {
  const [state, setState] = useState<State>({ kind: "checking" });

  const check = useCallback(async (notice?: string) => {
    try {
      const session = await whoAmI();
      if (session === undefined) {
        clearApiKey();
        setState({ kind: "signed-out", ...(notice === undefined ? {} : { notice }) });
      } else {
        setState({ kind: "signed-in", session });
      }
    } catch (thrown) {
      setState({ kind: "signed-out", problem: toProblem(thrown) });
    }
  }, []);

  useEffect(() => {
    void check();
  }, [check]);

  useEffect(() => {
    onUnauthorized(() => {
      setState((s) => {
        if (s.kind !== "signed-in") return s;
        clearApiKey();
        return { kind: "signed-out", notice: "The engine no longer accepts this sign-in. Sign in again." };
      });
    });
    return () => {
      onUnauthorized(undefined);
    };
  }, []);

  if (state.kind === "checking") {
    return (
      <main id="main" class="center">
        <Loading label="Checking sign-in…" />
      </main>
    );
  }
  if (state.kind === "signed-out") {
    return (
      <SignInPage
        notice={state.notice}
        problem={state.problem}
        onSignedIn={(session) => {
          setState({ kind: "signed-in", session });
        }}
      />
    );
  }
  return (
    <Shell
      session={state.session}
      onSignOut={() => {
        clearApiKey();
        if (state.session.via === "organisation") {
          window.location.assign(ORGANISATION_SIGN_OUT);
          return;
        }
        setState({ kind: "signed-out", notice: "Signed out. The key was removed from this tab." });
      }}
    />
  );
}

function firstOrgs(session: Session): readonly string[] {
  return session.me.orgs === "*" ? [] : session.me.orgs;
}

function Shell(props: { readonly session: Session; readonly onSignOut: () => void }) {
  const { session } = props;
  const route = useRoute();
  const [knownOrgs, setKnownOrgs] = useState<readonly string[]>(() => firstOrgs(session));
  const [org, setOrg] = useState<string>(() => firstOrgs(session)[0] ?? "");
  const [menuOpen, setMenuOpen] = useState(false);
  const actions = session.me.actions;
  const may = useCallback((action: Action) => actions.includes(action), [actions]);

  // A caller of every org: learn the orgs from its newest requests (there is no org list route).
  useEffect(() => {
    if (session.me.orgs !== "*" || !actions.includes("request:read")) return undefined;
    const controller = new AbortController();
    engine.listRequests({ limit: 100 }, controller.signal).then(
      (page) => {
        const seen = [...new Set(page.items.map((r) => r.orgId))].sort();
        setKnownOrgs((known) => [...new Set([...known, ...seen])].sort());
        // The newest request's org comes first: the one most likely worked on.
        setOrg((current) => (current === "" ? (page.items[0]?.orgId ?? "") : current));
      },
      () => undefined,
    );
    return () => {
      controller.abort();
    };
  }, [session, actions]);

  const rememberOrg = useCallback((value: string) => {
    setOrg(value);
    if (value !== "") setKnownOrgs((known) => (known.includes(value) ? known : [...known, value].sort()));
  }, []);

  const context: ConsoleContext = useMemo(() => ({ session, org, setOrg: rememberOrg, knownOrgs, may }), [session, org, rememberOrg, knownOrgs, may]);

  // After a navigation, focus goes to the new page's heading (screen readers announce it).
  const first = useRef(true);
  useEffect(() => {
    setMenuOpen(false);
    if (first.current) {
      first.current = false;
      return;
    }
    const timer = window.setTimeout(() => {
      document.querySelector<HTMLElement>("main h1")?.focus();
    }, 0);
    return () => {
      window.clearTimeout(timer);
    };
  }, [route.path]);

  const nav = NAV.filter((item) => may(item.action));
  return (
    <Ctx.Provider value={context}>
      <a
        class="skip-link"
        href="#main"
        onClick={(e) => {
          e.preventDefault();
          document.getElementById("main")?.focus();
        }}
      >
        Skip to main content
      </a>
      <header class="topbar">
        <button
          type="button"
          class="menu-button"
          aria-expanded={menuOpen}
          aria-controls="main-nav"
          onClick={() => {
            setMenuOpen((open) => !open);
          }}
        >
          <span aria-hidden="true">☰</span> Menu
        </button>
        <Link to="/" class="brand">
          Privacy console
        </Link>
        <div class="topbar-tools">
          <OrgPicker />
          <span class="who">
            {session.via === "organisation" ? <span class="via">Signed in through your organisation</span> : <span class="via">Signed in with an API key</span>}
            <span class={`role-badge role-${session.me.role}`}>
              <span class="visually-hidden">Role: </span>
              {session.me.role}
            </span>
          </span>
          <button type="button" class="button button-subtle" onClick={props.onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      <div class="layout">
        <nav id="main-nav" class={`sidenav${menuOpen ? " open" : ""}`} aria-label="Main">
          <ul>
            {nav.map((item) => (
              <li key={item.to}>
                <Link to={item.to} current={item.matches(route.path)}>
                  {item.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main" tabIndex={-1}>
          <CurrentPage route={route} />
        </main>
      </div>
    </Ctx.Provider>
  );
}

function OrgPicker() {
  const { session, knownOrgs, org, setOrg } = useConsole();
  if (session.me.orgs !== "*" && session.me.orgs.length <= 1) {
    return org === "" ? null : (
      <span class="org-fixed">
        <span class="visually-hidden">Organisation: </span>
        {org}
      </span>
    );
  }
  if (session.me.orgs === "*") {
    return (
      <form
        class="org-picker"
        onSubmit={(e) => {
          e.preventDefault();
        }}
      >
        <label for="org-picker">Org</label>
        <input
          id="org-picker"
          list="org-picker-known"
          value={org}
          autoComplete="off"
          spellcheck={false}
          onChange={(e) => {
            setOrg(e.currentTarget.value.trim());
          }}
        />
        <datalist id="org-picker-known">
          {knownOrgs.map((o) => (
            <option key={o} value={o} />
          ))}
        </datalist>
      </form>
    );
  }
  return (
    <div class="org-picker">
      <label for="org-picker">Org</label>
      <select
        id="org-picker"
        value={org}
        onChange={(e) => {
          setOrg(e.currentTarget.value);
        }}
      >
        {knownOrgs.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    </div>
  );
}

function CurrentPage(props: { readonly route: Route }) {
  const { path, query } = props.route;
  const ctx = useConsole();
  if (path === "/") return ctx.may("request:read") ? <QueuePage query={query} /> : <Forbidden />;
  if (path === "/requests/new") return ctx.may("request:open") ? <NewRequestPage /> : <Forbidden />;
  const request = match("/requests/:id", path);
  if (request?.id !== undefined) return <RequestPage id={request.id} />;
  if (path === "/dashboard") return <DashboardPage query={query} />;
  if (path === "/holds") return <HoldsPage />;
  if (path === "/status") return ctx.may("status:read") ? <StatusPage /> : <Forbidden />;
  if (path === "/sweeps") return ctx.may("sweep:read") ? <SweepsPage /> : <Forbidden />;
  if (path === "/data-map") return <DataMapPage />;
  return <NotFound />;
}

function Forbidden() {
  return <ProblemPage title="Not for this role" text="Your role may not use this page. Ask a privacy admin if you need it." />;
}

function NotFound() {
  return <ProblemPage title="Page not found" text="There is no console page at this address." />;
}

function ProblemPage(props: { readonly title: string; readonly text: string }) {
  useEffect(() => {
    document.title = `${props.title} · Privacy console`;
  }, [props.title]);
  return (
    <>
      <h1 tabIndex={-1}>{props.title}</h1>
      <p>{props.text}</p>
      <p>
        <Link to="/">Go to the queue</Link>
      </p>
    </>
  );
}
