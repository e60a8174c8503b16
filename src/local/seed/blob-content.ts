// The contents of the seeded blobs: small and deterministic, with the right magic bytes for
// their type (JPEG chat media, PNG avatars, PDF/DOCX/HTML knowledge-base documents), and the
// RFC 4180 CSV of a contact import.

import type { Rng } from "./random.js";

export function jpegBytes(rng: Rng): Buffer {
  // SOI and a JFIF APP0 header, random payload, EOI.
  const head = Buffer.from([
    0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00,
  ]);
  return Buffer.concat([head, rng.bytes(rng.int(64, 192)), Buffer.from([0xff, 0xd9])]);
}

export function pngBytes(rng: Rng): Buffer {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, rng.bytes(rng.int(48, 96))]);
}

/** Knowledge-base document k (1-based) has format KB_FORMATS[(k - 1) % 3]. */
export const KB_FORMATS = [
  { ext: "pdf", contentType: "application/pdf" },
  { ext: "docx", contentType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document" },
  { ext: "html", contentType: "text/html; charset=utf-8" },
] as const;

export function kbContent(ext: (typeof KB_FORMATS)[number]["ext"], title: string, orgName: string): Buffer {
  const body = `${title}: this document describes how ${orgName} handles it. Version 1.`;
  switch (ext) {
    case "pdf":
      return Buffer.from(
        `%PDF-1.4\n1 0 obj\n<< /Title (${title}) >>\nendobj\n% ${body}\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n`,
        "utf8",
      );
    case "docx":
      // Placeholder bytes with the ZIP signature; not a real OOXML package.
      return Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.from(body, "utf8")]);
    case "html":
      return Buffer.from(
        `<!doctype html>\n<html><head><meta charset="utf-8"><title>${title}</title></head>\n` +
          `<body><h1>${title}</h1><p>${body}</p></body></html>\n`,
        "utf8",
      );
  }
}

/** RFC 4180: quote a field holding a comma, quote, CR or LF; double inner quotes. */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) || value !== value.trim() ? `"${value.replace(/"/g, '""')}"` : value;
}

export function contactImportCsv(rows: readonly { name: string; phone: string; email?: string }[]): string {
  const lines = ["name,phone,email", ...rows.map((r) => [r.name, r.phone, r.email ?? ""].map(csvField).join(","))];
  return `${lines.join("\r\n")}\r\n`;
}
