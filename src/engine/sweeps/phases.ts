import type { ContainerMapping, DataMap } from "../../domain/data-map.js";
import { IDENTIFIER_KINDS, type IdentifierKind } from "../../domain/identifiers.js";
import type { RetentionPeriod } from "../../domain/retention.js";
import type { SweepKind } from "../../domain/sweep-run.js";

// What a step walks through, page by page: the data map's containers a sweep reads. Retention:
// the notices already given, then every container with an activity field and a retention
// period. Children: every container with a birth date field.

export type RetentionMapping = ContainerMapping & { readonly activityField: string; readonly retentionPeriod: RetentionPeriod };
export type BirthMapping = ContainerMapping & { readonly birthDateField: string };

export type Phase =
  | { readonly kind: "notices"; readonly name: "notices" }
  | { readonly kind: "scan"; readonly name: string; readonly mapping: RetentionMapping }
  | { readonly kind: "children"; readonly name: string; readonly mapping: BirthMapping };

/** A field path a query can select and compare: set, and not inside an array. */
export const plainPath = (path: string | undefined): path is string => path !== undefined && !path.includes("[]");

/** The identifier kind a mapping's item id is (contactId, userId); none for the org itself. */
export function idKindOf(mapping: ContainerMapping): IdentifierKind | undefined {
  const kind = mapping.keys.find((k) => k.path === "id")?.kind;
  return IDENTIFIER_KINDS.find((k) => k === kind);
}

export function retentionMappings(dataMap: DataMap): RetentionMapping[] {
  return dataMap.containers.filter(
    (m): m is RetentionMapping => plainPath(m.activityField) && m.retentionPeriod !== undefined && (m.retentionPeriod === "org" || idKindOf(m) !== undefined),
  );
}

export function phasesOf(dataMap: DataMap, kind: SweepKind): Phase[] {
  if (kind === "retention") return [{ kind: "notices", name: "notices" }, ...retentionMappings(dataMap).map((mapping) => ({ kind: "scan" as const, name: mapping.name, mapping }))];
  return dataMap.containers
    .filter((m): m is BirthMapping => plainPath(m.birthDateField) && idKindOf(m) !== undefined)
    .map((mapping) => ({ kind: "children" as const, name: mapping.name, mapping }));
}
