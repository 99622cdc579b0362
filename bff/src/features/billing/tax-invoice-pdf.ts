import PDFDocument from 'pdfkit';
import type { Seller } from '@ai-credits/shared/contracts/billing';
import { formatUsd } from '@ai-credits/shared/format';
import { GST_STATES, type TaxTreatment } from '@ai-credits/shared/tax';

/** The buyer as it stood on the billing profile when the tax was decided (null: no profile on record). */
export interface InvoiceBuyer {
  legalName: string;
  addressLine1: string;
  addressLine2: string | null;
  city: string;
  postalCode: string;
  country: string;
  state: string | null;
  taxId: string | null;
}

/** Everything a GST tax invoice says (ADR 031), frozen when it was issued. */
export interface TaxInvoiceDocument {
  number: string;
  issuedAt: Date;
  seller: Seller;
  buyer: InvoiceBuyer | null;
  /** The org's name, for an org with no billing profile. */
  orgName: string;
  description: string;
  sac: string;
  currency: string;
  netCents: number;
  treatment: TaxTreatment;
  rateBp: number;
  cgstCents: number;
  sgstCents: number;
  igstCents: number;
  totalCents: number;
  note: string | null;
  paymentReference: string;
  testMode: boolean;
}

const percent = (bp: number) => `${bp / 100}%`;
const day = (d: Date) => d.toISOString().slice(0, 10);
const stateName = (code: string | null) => (code && GST_STATES[code] ? `${GST_STATES[code]} (${code})` : (code ?? ''));

/** Place of supply: the buyer's GST state, the seller's with no profile, or the export. */
function placeOfSupply(doc: TaxInvoiceDocument): string {
  if (doc.treatment === 'export') return `Outside India (${doc.buyer?.country ?? 'export'})`;
  return stateName(doc.buyer?.state ?? doc.seller.state);
}

function buyerLines(doc: TaxInvoiceDocument): string[] {
  const b = doc.buyer;
  if (!b) return [doc.orgName, 'No billing profile on record (unregistered buyer)'];
  const india = b.country === 'IN';
  return [
    b.legalName,
    b.addressLine1,
    ...(b.addressLine2 ? [b.addressLine2] : []),
    `${b.city} ${b.postalCode}`,
    india ? `${stateName(b.state)}, India` : [b.state, b.country].filter(Boolean).join(', '),
    india ? `GSTIN: ${b.taxId ?? 'unregistered'}` : `Tax ID: ${b.taxId ?? 'none'}`,
  ];
}

/** The tax lines as they stand on the invoice (IGST 0% for an export). */
function taxRows(doc: TaxInvoiceDocument): [string, number][] {
  if (doc.treatment === 'cgst_sgst') {
    const half = doc.rateBp / 2;
    return [
      [`CGST ${percent(half)}`, doc.cgstCents],
      [`SGST ${percent(half)}`, doc.sgstCents],
    ];
  }
  return [[`IGST ${percent(doc.rateBp)}`, doc.igstCents]];
}

/**
 * The GST tax invoice as a PDF (pdfkit, built on the server; no browser at request time).
 * Rule 46 of the CGST Rules: number, date, seller and buyer with GSTIN, place of supply, SAC,
 * taxable value, rate and amount of each tax, total, reverse charge.
 */
/** The document's bytes once it is ended (pdfkit streams them as it writes). */
export function pdfBytes(pdf: PDFKit.PDFDocument): Promise<Buffer> {
  const chunks: Buffer[] = [];
  return new Promise<Buffer>((resolve, reject) => {
    pdf.on('data', (chunk: Buffer) => chunks.push(chunk));
    pdf.on('end', () => resolve(Buffer.concat(chunks)));
    pdf.on('error', reject);
  });
}

export function renderTaxInvoicePdf(doc: TaxInvoiceDocument): Promise<Buffer> {
  const pdf = new PDFDocument({
    size: 'A4',
    margin: 50,
    info: { Title: `Tax invoice ${doc.number}`, Author: doc.seller.legalName, Subject: doc.description, CreationDate: doc.issuedAt },
  });
  const done = pdfBytes(pdf);
  const left = 50;
  const width = pdf.page.width - 100;
  const money = (cents: number) => `${formatUsd(cents)} ${doc.currency}`;

  pdf.font('Helvetica-Bold').fontSize(18).text('Tax Invoice', left, 50);
  if (doc.testMode) pdf.font('Helvetica').fontSize(9).fillColor('#a00').text('Test mode (sandbox): no real money was charged.').fillColor('#000');
  pdf.moveDown(0.5).font('Helvetica').fontSize(10);
  for (const [label, value] of [
    ['Invoice number', doc.number],
    ['Invoice date', day(doc.issuedAt)],
    ['Place of supply', placeOfSupply(doc)],
    ['Reverse charge', 'No'],
  ] as const) {
    // Label and value in their own columns: a `continued` run overlaps in viewers that substitute Helvetica.
    const y = pdf.y;
    pdf.font('Helvetica-Bold').text(`${label}:`, left, y, { width: 110 });
    pdf.font('Helvetica').text(value, left + 115, y, { width: width - 115 });
    pdf.x = left;
  }

  // Seller and buyer side by side.
  const top = pdf.y + 15;
  const col = width / 2 - 10;
  pdf.font('Helvetica-Bold').text('Seller', left, top, { width: col });
  pdf.font('Helvetica').text([doc.seller.legalName, doc.seller.address, `GSTIN: ${doc.seller.gstin}`].join('\n'), { width: col });
  const sellerBottom = pdf.y;
  pdf.font('Helvetica-Bold').text('Billed to', left + col + 20, top, { width: col });
  pdf.font('Helvetica').text(buyerLines(doc).join('\n'), { width: col });
  pdf.y = Math.max(sellerBottom, pdf.y) + 20;

  // The line and the tax.
  const amountX = left + width - 130;
  const sacX = amountX - 80;
  const row = (cells: { text: string; x: number; w: number; align?: 'left' | 'right' }[], bold = false) => {
    const y = pdf.y;
    pdf.font(bold ? 'Helvetica-Bold' : 'Helvetica');
    let bottom = y;
    for (const c of cells) {
      pdf.text(c.text, c.x, y, { width: c.w, align: c.align ?? 'left' });
      bottom = Math.max(bottom, pdf.y);
    }
    pdf.y = bottom + 4;
    pdf.x = left;
  };
  const rule = () => {
    pdf.moveTo(left, pdf.y).lineTo(left + width, pdf.y).strokeColor('#999').stroke();
    pdf.y += 4;
  };
  row([{ text: 'Description', x: left, w: sacX - left - 10 }, { text: 'SAC', x: sacX, w: 70 }, { text: 'Taxable value', x: amountX, w: 130, align: 'right' }], true);
  rule();
  row([{ text: doc.description, x: left, w: sacX - left - 10 }, { text: doc.sac, x: sacX, w: 70 }, { text: money(doc.netCents), x: amountX, w: 130, align: 'right' }]);
  rule();
  const labelX = left + width / 2 - 40;
  const total = (label: string, cents: number, bold = false) => row([{ text: label, x: labelX, w: amountX - labelX - 10 }, { text: money(cents), x: amountX, w: 130, align: 'right' }], bold);
  total('Taxable value', doc.netCents);
  for (const [label, cents] of taxRows(doc)) total(label, cents);
  total('Total tax', doc.cgstCents + doc.sgstCents + doc.igstCents);
  total('Total', doc.totalCents, true);

  pdf.moveDown(1).font('Helvetica').fontSize(9);
  if (doc.note) pdf.text(doc.note, left, pdf.y, { width }).moveDown(0.5);
  pdf.text(`Payment: ${doc.paymentReference}`, left, pdf.y, { width });
  pdf.moveDown(0.5).text('Amounts in US dollars; each tax line is rounded half up to the cent on its own, and the total is the taxable value plus the tax lines.', { width });
  pdf.moveDown(0.5).text('This is a computer-generated invoice and needs no signature.', { width });
  pdf.end();
  return done;
}
