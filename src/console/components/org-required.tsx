import type { ComponentChildren } from "preact";
import { useConsole } from "../context.js";

// Pages about one organisation (holds, sweeps, status) use the header's; a caller of every org
// that has not chosen one is asked to.

export function OrgRequired(props: { readonly children: (org: string) => ComponentChildren }) {
  const { org } = useConsole();
  if (org === "") {
    return <p class="notice">Choose an organisation in the header (the Org field) to see this page.</p>;
  }
  return <>{props.children(org)}</>;
}
