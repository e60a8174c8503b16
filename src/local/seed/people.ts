// The people of a dataset before they become items: a ContactPlan says who a contact is, and
// People draws fresh ones (names, birth dates, phones and emails that no other person of the
// dataset has, nor any reserved value such as a hard case's).

import { EngineError } from "../../domain/errors.js";
import type { Clock } from "./clock.js";
import { drawPhone, emailLocalPart, type Locale } from "./locale.js";
import type { ParentalConsent } from "./model.js";
import type { Rng } from "./random.js";

/** Who a contact is; contacts.ts builds the contact and its items from it. */
export interface ContactPlan {
  /** 1-based position of the contact in its org. */
  index: number;
  name: string;
  phone: string;
  email?: string;
  dateOfBirth?: string;
  parentalConsent?: ParentalConsent;
  lastActivityAt: string;
  source: "whatsapp" | "import";
  /** 1-based import number when the contact came from a CSV import. */
  importNumber?: number;
}

export class People {
  private readonly usedPhones: Set<string>;
  private readonly usedEmails: Set<string>;

  constructor(
    private readonly rng: Rng,
    private readonly clock: Clock,
    reserved: { phones: readonly string[]; emails: readonly string[] },
  ) {
    this.usedPhones = new Set(reserved.phones);
    this.usedEmails = new Set(reserved.emails);
  }

  /** A fresh phone of the locale: the narrow fictional range first, the wide one after 20 collisions. */
  phone(locale: Locale): string {
    for (let attempt = 0; attempt < 10_000; attempt++) {
      const phone = drawPhone(locale, this.rng, attempt >= 20);
      if (!this.usedPhones.has(phone)) {
        this.usedPhones.add(phone);
        return phone;
      }
    }
    throw new EngineError("validation", `Too many contacts for the fictional phone ranges of ${locale.country}`);
  }

  /** `first.last@domain`, numbered (`first.last2@...`) when taken. */
  email(name: string, domain: string): string {
    const local = emailLocalPart(name);
    for (let n = 1; ; n++) {
      const email = `${local}${n === 1 ? "" : String(n)}@${domain}`;
      if (!this.usedEmails.has(email)) {
        this.usedEmails.add(email);
        return email;
      }
    }
  }

  /** "First Last" from the locale's lists (names may repeat; phones and emails do not). */
  name(locale: Locale): string {
    return `${this.rng.pick(locale.firstNames)} ${this.rng.pick(locale.lastNames)}`;
  }

  /** The birth date of someone aged 18 to 74. */
  adultBirthDate(): string {
    return this.clock.birthDate(this.rng.int(18, 74), this.rng.int(1, 360));
  }
}
