import { it } from "vitest";
import { phoneVariants, matchQuery } from "../src/domain/discovery-query.js";
import { canonicalKey } from "../src/engine/discovery.js";
it("x", () => {
  const v = phoneVariants("+442079460958");
  console.log(JSON.stringify(v));
  for (const f of v) { const c = canonicalKey("phone", f, "DE"); if (c !== "+442079460958") console.log("in DE org", JSON.stringify(f), "->", c); }
  const q = matchQuery({ mapping: { matches: [{ path: "phone", kind: "phone" }], keys: [], orgField: "orgId" }, orgId: "o", fresh: new Map([["phone", ["+4930123456"]]]), known: new Map(), projection: "keys" });
  console.log(q?.parameters.length);
});
