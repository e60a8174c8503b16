import { readFileSync } from "node:fs";
import { DataMapError, parseDataMap, type DataMap } from "../domain/data-map.js";

/** Where the default map lives, from source (src/config) and from the build (dist/src/config). */
const DEFAULT_MAP_LOCATIONS = ["./platform-data-map.json", "../../../src/config/platform-data-map.json"];

/** Loads and validates the data map; an unreadable or invalid map stops the start with where it is wrong. */
export function loadDataMap(path?: string): DataMap {
  const candidates = path === undefined ? DEFAULT_MAP_LOCATIONS.map((p) => new URL(p, import.meta.url)) : [path];
  for (const candidate of candidates) {
    let text: string;
    try {
      text = readFileSync(candidate, "utf8");
    } catch {
      continue;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new DataMapError([`${String(candidate)} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`]);
    }
    return parseDataMap(json);
  }
  throw new DataMapError([path === undefined ? "the default data map is missing from the package" : `PRIVACY_DATA_MAP_PATH: cannot read ${path}`]);
}
