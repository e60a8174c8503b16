import type { Logger } from "../../ports.js";
import type { Phase } from "../phases.js";
import type { OrgContext } from "../policy.js";
import { childrenPage, type ChildrenPageDeps } from "./children.js";
import { noticesPage, type NoticesPageDeps } from "./notices.js";
import type { PageResult } from "./page-result.js";
import { scanPage, type ScanPageDeps } from "./scan.js";

// One page of whichever phase a step stands in: applied by a run, only counted by the preview
// (`apply` false changes nothing).

export type PageDeps = NoticesPageDeps & ScanPageDeps & ChildrenPageDeps;

export function runPage(deps: PageDeps, ctx: OrgContext, phase: Phase, cursor: string | undefined, apply: boolean, runId: string, log: Logger): Promise<PageResult> {
  switch (phase.kind) {
    case "notices":
      return noticesPage(deps, ctx, cursor, apply, log);
    case "scan":
      return scanPage(deps, ctx, phase.mapping, cursor, apply, runId, log);
    case "children":
      return childrenPage(deps, ctx, phase.mapping, cursor, apply, log);
  }
}
