import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { Session } from "./session.js";
import type { Action } from "./types.js";

// What every page may read about the signed-in caller: the session, the organisation chosen in
// the header, the organisations the console knows of, and whether an action is allowed.

export interface ConsoleContext {
  readonly session: Session;
  /** The header's organisation ("" when the caller may see every org and has not chosen one). */
  readonly org: string;
  readonly setOrg: (org: string) => void;
  /** The caller's orgs, or (for a caller of every org) those seen in its requests so far. */
  readonly knownOrgs: readonly string[];
  readonly may: (action: Action) => boolean;
}

export const Ctx = createContext<ConsoleContext | undefined>(undefined);

export function useConsole(): ConsoleContext {
  const value = useContext(Ctx);
  if (value === undefined) throw new Error("useConsole outside the signed-in shell");
  return value;
}
