import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { leaseDecision } from "../../src/domain/sweep-run.js";
import { birthdayAt, bornAfter, childAgeFor, decideNotice, eraseAfter, inactivityCutoff, isChild, policyFor, type RetentionPolicy } from "../../src/domain/retention.js";

const POLICY: RetentionPolicy = {
  contactInactivityMonths: 36,
  accountInactivityMonths: 24,
  noticeHours: 48,
  childAge: 13,
  childAgeByJurisdiction: { DPDP: 18 },
  packageExpiryDays: 7,
};
const at = (iso: string) => new Date(iso);

describe("retention policy", () => {
  it("computes cutoffs in UTC calendar months and the notice period in hours", () => {
    expect(inactivityCutoff(POLICY, "contact", at("2026-11-25T10:00:00Z"))).toBe("2023-11-25T10:00:00.000Z");
    expect(inactivityCutoff(POLICY, "account", at("2026-03-31T23:30:00Z"))).toBe("2024-03-31T23:30:00.000Z");
    // 31 May minus a month is the last day of April.
    expect(inactivityCutoff({ ...POLICY, contactInactivityMonths: 1 }, "contact", at("2026-05-31T00:00:00Z"))).toBe("2026-04-30T00:00:00.000Z");
    expect(eraseAfter(POLICY, at("2026-11-25T10:00:00Z"))).toBe("2026-11-27T10:00:00.000Z");
  });

  it("takes an org's overrides over the defaults, per jurisdiction too", () => {
    const policy = policyFor(POLICY, { contactInactivityMonths: 12, childAgeByJurisdiction: { CCPA: 16 } });
    expect(policy.contactInactivityMonths).toBe(12);
    expect(policy.accountInactivityMonths).toBe(24);
    expect(childAgeFor(policy, "CCPA")).toBe(16);
    expect(childAgeFor(policy, "DPDP")).toBe(18);
    expect(childAgeFor(policy, "GDPR")).toBe(13);
  });
});

describe("who is a child", () => {
  it("turns 13 on the 13th birthday, not a day earlier", () => {
    expect(isChild("2013-11-25", 13, at("2026-11-24T23:59:59Z"))).toBe(true);
    expect(isChild("2013-11-25", 13, at("2026-11-25T00:00:00Z"))).toBe(false);
    expect(isChild("2008-11-26", 18, at("2026-11-25T12:00:00Z"))).toBe(true);
    expect(isChild("2008-11-25", 18, at("2026-11-25T12:00:00Z"))).toBe(false);
  });

  it("a 29 February child comes of age on 1 March in a common year, on 29 February in a leap year", () => {
    expect(birthdayAt("2012-02-29", 13)).toBe("2025-03-01");
    expect(isChild("2012-02-29", 13, at("2025-02-28T23:00:00Z"))).toBe(true);
    expect(isChild("2012-02-29", 13, at("2025-03-01T00:00:00Z"))).toBe(false);
    expect(birthdayAt("2012-02-29", 16)).toBe("2028-02-29");
    expect(isChild("2012-02-29", 16, at("2028-02-28T12:00:00Z"))).toBe(true);
    expect(isChild("2012-02-29", 16, at("2028-02-29T00:00:00Z"))).toBe(false);
  });

  it("reads no child out of a malformed date", () => {
    for (const value of ["2015-02-30", "2015-13-01", "15-01-01", "2015-01-01T00:00:00Z", 20150101, null, undefined]) expect(isChild(value, 13, at("2026-01-01T00:00:00Z"))).toBe(false);
  });

  it("the query bound never loses a child (every child is born after it)", () => {
    const day = fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2030, 11, 31) }).map((ms) => new Date(ms));
    fc.assert(
      fc.property(day, day, fc.integer({ min: 1, max: 21 }), (birth, now, age) => {
        const dob = birth.toISOString().slice(0, 10);
        if (isChild(dob, age, now)) expect(dob > bornAfter(age, now)).toBe(true);
      }),
      { numRuns: 2000 },
    );
    const leap = ["2012-02-29", "2016-02-29", "2000-02-29"];
    for (const dob of leap) for (const now of ["2025-02-28T10:00:00Z", "2029-02-28T10:00:00Z", "2013-02-28T00:00:00Z"]) if (isChild(dob, 13, at(now))) expect(dob > bornAfter(13, at(now))).toBe(true);
  });
});

describe("a noticed subject", () => {
  const notice = { activityAt: "2022-01-01T00:00:00.000Z", eraseAfter: "2026-11-27T10:00:00.000Z" };
  const cutoff = "2023-11-25T10:00:00.000Z";
  it("waits, then is erased, unless active again, held or gone", () => {
    expect(decideNotice(notice, { exists: true, activityAt: notice.activityAt }, cutoff, false, at("2026-11-26T10:00:00Z"))).toBe("wait");
    expect(decideNotice(notice, { exists: true, activityAt: notice.activityAt }, cutoff, false, at("2026-11-27T10:00:00Z"))).toBe("erase");
    expect(decideNotice(notice, { exists: true, activityAt: "2022-01-02T00:00:00.000Z" }, cutoff, false, at("2026-11-27T10:00:00Z"))).toBe("cancel");
    expect(decideNotice(notice, { exists: true, activityAt: notice.activityAt }, "2021-01-01T00:00:00.000Z", false, at("2026-11-27T10:00:00Z"))).toBe("cancel");
    expect(decideNotice(notice, { exists: true, activityAt: notice.activityAt }, cutoff, true, at("2026-11-28T10:00:00Z"))).toBe("held");
    expect(decideNotice(notice, { exists: false }, cutoff, false, at("2026-11-28T10:00:00Z"))).toBe("drop");
  });
});

describe("an org's sweep lease", () => {
  const lease = { id: "org-a", runId: "lease:retention", docType: "lease" as const, orgId: "org-a", kind: "retention" as const, holderRunId: "run-1", owner: "run-1/x", expiresAt: "2026-11-25T10:02:00.000Z" };
  it("is taken when free, lapsed or already one's own; else the holder's run decides", () => {
    const now = at("2026-11-25T10:00:00Z");
    expect(leaseDecision(undefined, { runId: "run-2", owner: "run-2/y" }, now)).toBe("take");
    expect(leaseDecision(lease, { runId: "run-1", owner: "run-1/x" }, now)).toBe("take");
    expect(leaseDecision(lease, { runId: "run-1", owner: "run-1/z" }, now)).toBe("busy-in-this-run");
    expect(leaseDecision(lease, { runId: "run-2", owner: "run-2/y" }, now)).toBe("held-by-another-run");
    expect(leaseDecision(lease, { runId: "run-2", owner: "run-2/y" }, at("2026-11-25T10:02:00Z"))).toBe("take");
  });
});
