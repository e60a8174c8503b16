// Locale material as data: names, streets, cities, phone formats, chat lines, campaign and
// document titles per country, and the names of the first orgs. Fake but plausible, and
// distinctive enough to grep logs for. Data only; locale.ts reads it (phone formats, greetings).
// Every list is drawn from by index, so reordering or editing an entry changes the dataset.

import type { Jurisdiction } from "../../domain/request.js";
import type { CountryCode } from "./model.js";

/**
 * One piece of a phone number: a literal, `digits` random digits, or a random integer in
 * [min, max] (zero-padded to `width` when given), or one value picked from a list.
 */
export type PhonePart =
  | string
  | { readonly digits: number }
  | { readonly int: readonly [min: number, max: number]; readonly width?: number }
  | { readonly pick: readonly string[] };

export interface PhoneFormat {
  /** The fictional range, used first. */
  readonly narrow: readonly PhonePart[];
  /** A wider range, once the narrow one is crowded. */
  readonly wide: readonly PhonePart[];
}

export interface Locale {
  readonly country: CountryCode;
  readonly jurisdiction: Jurisdiction;
  readonly language: string;
  readonly currency: string;
  readonly timezone: string;
  readonly firstNames: readonly string[];
  readonly lastNames: readonly string[];
  readonly streets: readonly string[];
  readonly cities: readonly { readonly city: string; readonly postalCodes: readonly string[] }[];
  readonly phone: PhoneFormat;
  /** The first reply of a conversation; `{firstName}` stands for the contact's first name. */
  readonly greeting: string;
  readonly inbound: readonly string[];
  readonly outbound: readonly string[];
  readonly mediaCaptions: readonly string[];
  readonly campaignNames: readonly string[];
  readonly kbTitles: readonly string[];
}

const US_AREA_CODES = [
  "201", "206", "212", "303", "305", "312", "404", "415", "503", "512", "602", "617", "619", "646", "702",
  "713", "718", "720", "858", "919",
];

// Berlin landlines: +49 30 and an 8-digit subscriber number.
const BERLIN_LANDLINE: readonly PhonePart[] = ["+4930", { int: [2, 9] }, { digits: 7 }];

/** Org n (1-based) uses LOCALES[(n - 1) % LOCALES.length]. */
export const LOCALES: readonly Locale[] = [
  {
    country: "DE",
    jurisdiction: "GDPR",
    language: "de",
    currency: "EUR",
    timezone: "Europe/Berlin",
    // The hard cases' names (Mila Hartmann, Jonas Albrecht, ...) are deliberately absent here.
    firstNames: [
      "Lukas", "Hannah", "Felix", "Emilia", "Clara", "Maximilian", "Johanna", "Elias", "Ida", "Theo",
      "Frieda", "Anton", "Marlene", "Jürgen", "Zoë", "Konstantin", "Annika", "Henrik", "Lotte", "Wiebke",
    ],
    lastNames: [
      "Schäfer", "Krüger", "Brenner", "Dietrich", "Falkenberg", "Gerlach", "Hofmeister", "Janssen",
      "Kessler", "Meißner", "Niemann", "Oppermann", "Reinholz", "Seidlitz", "Thalberg", "Ulbrich",
      "Wendland", "Zöllner", "Quandtmeyer", "Achterberg",
    ],
    streets: [
      "Kastanienallee", "Oranienstraße", "Bergmannstraße", "Schönhauser Allee", "Kollwitzstraße",
      "Boxhagener Straße", "Simon-Dach-Straße", "Graefestraße",
    ],
    cities: [{ city: "Berlin", postalCodes: ["10115", "10245", "10405", "10437", "10961", "10999", "12047", "13353"] }],
    phone: { narrow: BERLIN_LANDLINE, wide: BERLIN_LANDLINE },
    greeting: "Hallo {firstName}, danke für Ihre Nachricht! Wie können wir helfen?",
    inbound: [
      "Ist das Rad in Größe M noch verfügbar?", "Wann kommt meine Lieferung an?",
      "Kann ich die Bestellung noch ändern?", "Habt ihr am Samstag geöffnet?",
      "Die Klingel ist leider defekt.",
    ],
    outbound: [
      "Ja, das Modell ist vorrätig.", "Ihre Sendung ist unterwegs und kommt morgen.",
      "Gern, wir passen die Bestellung an.", "Samstags sind wir von 10 bis 16 Uhr da.",
      "Das tut uns leid, wir schicken Ersatz.",
    ],
    mediaCaptions: ["Foto vom Schaden am Rahmen", "Hier ein Bild der Quittung", "So sieht das Teil aus"],
    campaignNames: ["Frühjahrs-Check", "Herbstaktion Beleuchtung", "Winterreifen-Erinnerung", "Neukunden-Rabatt"],
    kbTitles: ["Rückgaberichtlinie", "Garantiebedingungen", "Wartungsintervalle", "Versand und Lieferzeiten"],
  },
  {
    country: "US",
    jurisdiction: "CCPA",
    language: "en",
    currency: "USD",
    timezone: "America/Los_Angeles",
    firstNames: [
      "Harper", "Ezra", "Savannah", "Declan", "Marisol", "Tobias", "Juniper", "Silas", "Rosalind", "Everett",
      "Delphine", "Cormac", "Thaddeus", "Wren", "Octavia", "Beckett", "Lucinda", "Rafferty", "Maren",
      "Ignatius",
    ],
    lastNames: [
      "Whitaker", "Castellano", "Okafor", "Lindqvist", "Beaumont", "Haverford", "Pemberton", "Nakamura",
      "Delacroix", "Fairbanks", "Galloway", "Kensington", "Marchetti", "Ashworth", "Prescott", "Quintero",
      "Rutherford", "Sorensen", "Vandermeer", "Thistlewood",
    ],
    streets: [
      "Maple Avenue", "Larkspur Lane", "Sycamore Street", "Harbor View Road", "Juniper Court",
      "Bayshore Drive", "Redwood Terrace", "Alder Way",
    ],
    cities: [
      { city: "San Francisco", postalCodes: ["94103", "94110", "94117", "94122"] },
      { city: "Oakland", postalCodes: ["94607", "94610", "94612"] },
    ],
    // 555-0100..0199 is reserved for fiction; past that, other 555 lines.
    phone: {
      narrow: ["+1", { pick: US_AREA_CODES }, "555", "01", { digits: 2 }],
      wide: ["+1", { pick: US_AREA_CODES }, "555", { int: [200, 9999], width: 4 }],
    },
    greeting: "Hi {firstName}, thanks for reaching out! How can we help?",
    inbound: [
      "Is the gravel bike still in stock?", "When will my order arrive?",
      "Can I change my delivery address?", "Are you open on Sunday?", "The brake lever feels loose.",
    ],
    outbound: [
      "Yes, we have it in stock.", "Your package ships today.", "Sure, we updated the order.",
      "Sundays we are open 11 to 5.", "Sorry about that, bring it in and we will fix it.",
    ],
    mediaCaptions: ["Photo of the scratch on the frame", "Here is the receipt", "This is the part I need"],
    campaignNames: ["Spring Tune-Up", "Holiday Lights Promo", "Commuter Week", "Welcome Discount"],
    kbTitles: ["Return Policy", "Warranty Terms", "Service Intervals", "Shipping and Delivery"],
  },
  {
    country: "GB",
    jurisdiction: "UK-GDPR",
    language: "en",
    currency: "GBP",
    timezone: "Europe/London",
    firstNames: ["Rupert", "Philippa", "Hamish", "Tamsin", "Alistair", "Rosamund", "Crispin", "Saoirse", "Fergus", "Perpetua"],
    lastNames: [
      "Aldridge", "Blackwood", "Cavendish", "Dunmore", "Fairweather", "Gatling", "Hollingsworth", "Kilbride",
      "Pennington", "Whitlock",
    ],
    streets: ["Coldharbour Lane", "Stroud Green Road", "Lordship Lane", "Essex Road"],
    cities: [{ city: "London", postalCodes: ["SE5 9NR", "N4 3PX", "SE22 8HN", "N1 3PN"] }],
    // 020 7946 0000..0999 is reserved for drama.
    phone: { narrow: ["+44207946", "0", { digits: 3 }], wide: ["+44207946", { digits: 4 }] },
    greeting: "Hello {firstName}, thanks for your message! How can we help?",
    inbound: ["Do you have the folding bike in blue?", "Has my order been dispatched?", "Could I collect in store instead?"],
    outbound: ["Yes, in blue and in grey.", "It was dispatched this morning.", "Of course, it will be ready tomorrow."],
    mediaCaptions: ["Photo of the damaged wheel", "Screenshot of the order"],
    campaignNames: ["Spring Service Offer", "Cycle to Work Reminder", "Autumn Sale"],
    kbTitles: ["Returns", "Warranty", "Delivery"],
  },
];

/** The names and email domains of the first orgs (by 1-based index); later orgs get generated ones. */
export const ORG_NAMES: Readonly<Record<number, { readonly name: string; readonly domain: string }>> = {
  1: { name: "Spreeufer Fahrräder GmbH", domain: "spreeufer-fahrraeder.example.com" },
  2: { name: "Golden Gate Bicycle Co.", domain: "goldengate-bicycles.example.com" },
};

/** Name parts for generated orgs: `{part} Cycles {orgKey}`. */
export const ORG_NAME_PARTS: readonly string[] = ["Meridian", "Nordlicht", "Harborline", "Kestrel", "Bluebell", "Fernweh"];
