// The hard cases: the deliberately difficult subjects every dataset holds (duplicates, a phone
// shared across orgs, identifiers stored in other formats, a CSV row that needs quoting,
// children with and without consent, a stale contact), and where they sit: the first contacts
// of the demo org and the first contact of org-0002.

import type { Clock } from "./clock.js";
import type { ContactPlan } from "./people.js";
import type { Rng } from "./random.js";

/**
 * Cases the engine must get right, present in every dataset (ids and values do not depend on
 * the options; dates are relative to `options.now`):
 *
 * - duplicateContact: one person imported twice into org-demo: two contacts with the same name,
 *   phone and email but different ids (one came in over WhatsApp, one from a CSV import).
 * - crossOrgPhone: the same phone is a contact in org-demo and in org-0002 (different emails):
 *   a request scoped to one org must leave the other org's contact alone.
 * - reformattedIdentifiers: the duplicated subject's phone is stored in other formats outside
 *   the contacts: national format "030 1234567" in an order's customer.phone, international with
 *   spaces "+49 30 1234567" in a campaignEvent's phone; the same order holds the email in mixed
 *   case. The contacts hold E.164 and lower case.
 * - importWithSubject: the first contact-import CSV of org-demo holds the duplicated subject among
 *   other rows, including a name that needs CSV quoting (a comma and double quotes).
 * - childWithoutConsent: a 10-year-old contact (dateOfBirth < 13 years before now), no
 *   parentalConsent. childWithConsent: an 11-year-old with verified parental consent.
 *   Every other contact and user is an adult.
 * - staleContact: lastActivityAt 40 months before now (> 36); every other contact was active
 *   within the last 24 months.
 */
export const HARD_CASES = {
  duplicateContact: {
    orgId: "org-demo",
    contactIds: ["contact-demo-0001", "contact-demo-0002"],
    name: "Mila Hartmann",
    phone: "+49301234567",
    email: "mila.hartmann@example.com",
  },
  crossOrgPhone: {
    phone: "+493098765432",
    name: "Jonas Albrecht",
    contacts: [
      { orgId: "org-demo", contactId: "contact-demo-0003", email: "jonas.albrecht@example.com" },
      { orgId: "org-0002", contactId: "contact-0002-0001", email: "j.albrecht@example.org" },
    ],
  },
  reformattedIdentifiers: {
    orgId: "org-demo",
    contactId: "contact-demo-0001",
    e164: "+49301234567",
    orderId: "order-demo-0001-01",
    orderPhone: "030 1234567",
    orderEmail: "Mila.Hartmann@Example.com",
    campaignEventId: "cevt-demo-01-0001",
    campaignEventPhone: "+49 30 1234567",
  },
  importWithSubject: {
    orgId: "org-demo",
    importId: "import-demo-01",
    blobPath: "org-demo/contact-imports/import-demo-01.csv",
    subjectContactId: "contact-demo-0002",
    /** A row that needs CSV quoting: a comma and double quotes in the name. */
    quotedContact: {
      contactId: "contact-demo-0007",
      name: 'Vogel, Ann-Kathrin "Anki"',
      phone: "+493062850071",
      email: "ak.vogel@example.org",
    },
  },
  childWithoutConsent: {
    orgId: "org-demo",
    contactId: "contact-demo-0004",
    name: "Leni Vogt",
    phone: "+493040221187",
    ageYears: 10,
  },
  childWithConsent: {
    orgId: "org-demo",
    contactId: "contact-demo-0005",
    name: "Finn Brandt",
    phone: "+493040221188",
    email: "eltern.brandt@example.org",
    ageYears: 11,
  },
  staleContact: {
    orgId: "org-demo",
    contactId: "contact-demo-0006",
    name: "Greta Lindner",
    phone: "+493071193345",
    email: "greta.lindner@example.net",
    monthsInactive: 40,
  },
} as const;

/** The phones and emails of the hard cases, reserved so that no generated person collides with them. */
export function hardCaseIdentifiers(): { phones: string[]; emails: string[] } {
  const h = HARD_CASES;
  const people = [h.duplicateContact, h.importWithSubject.quotedContact, h.childWithConsent, h.staleContact];
  return {
    phones: [...people.map((p) => p.phone), h.crossOrgPhone.phone, h.childWithoutConsent.phone],
    emails: [...people.map((p) => p.email), ...h.crossOrgPhone.contacts.map((c) => c.email)],
  };
}

/**
 * The plan of contact c (1-based) of org n when it is a hard case, else undefined. Draws its
 * last activity from `rng` for every hard case (the stale one then overrides it), so the draws
 * are the same whatever the case.
 */
export function hardCaseContact(orgIndex: number, c: number, rng: Rng, clock: Clock): ContactPlan | undefined {
  const h = HARD_CASES;
  const plan = (name: string, phone: string, email?: string): ContactPlan => ({
    index: c,
    name,
    phone,
    ...(email === undefined ? {} : { email }),
    lastActivityAt: clock.daysAgo(rng.int(1, 200) + rng.next()),
    source: "whatsapp",
  });
  const cross = h.crossOrgPhone;
  if (orgIndex === 2) return c === 1 ? plan(cross.name, cross.phone, cross.contacts[1].email) : undefined;
  if (orgIndex !== 1) return undefined;
  const dup = h.duplicateContact;
  switch (c) {
    case 1:
      return { ...plan(dup.name, dup.phone, dup.email), dateOfBirth: "1988-04-17" };
    case 2:
      return { ...plan(dup.name, dup.phone, dup.email), source: "import", importNumber: 1 };
    case 3:
      return plan(cross.name, cross.phone, cross.contacts[0].email);
    case 4: {
      const child = h.childWithoutConsent;
      return { ...plan(child.name, child.phone), dateOfBirth: clock.birthDate(child.ageYears, 90) };
    }
    case 5: {
      const child = h.childWithConsent;
      return {
        ...plan(child.name, child.phone, child.email),
        dateOfBirth: clock.birthDate(child.ageYears, 45),
        parentalConsent: { verified: true, verifiedAt: clock.daysAgo(120), method: "guardian-email-confirmation" },
      };
    }
    case 6: {
      const stale = h.staleContact;
      return { ...plan(stale.name, stale.phone, stale.email), lastActivityAt: clock.monthsAgo(stale.monthsInactive) };
    }
    case 7: {
      const quoted = h.importWithSubject.quotedContact;
      return { ...plan(quoted.name, quoted.phone, quoted.email), source: "import", importNumber: 1 };
    }
    default:
      return undefined;
  }
}
