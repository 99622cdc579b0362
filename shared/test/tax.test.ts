import { describe, expect, it } from 'vitest';
import { computeTax, EXPORT_NOTE, gstinCheckChar, gstinProblem, isValidGstin, percentOf } from '../src/tax';

const KARNATAKA_SELLER = { state: '29' };

describe('India GST rule', () => {
  it('same state: CGST 9 % + SGST 9 %', () => {
    expect(computeTax(1000, KARNATAKA_SELLER, { country: 'IN', state: '29' })).toEqual({
      treatment: 'cgst_sgst',
      netCents: 1000,
      lines: [
        { name: 'CGST', rateBp: 900, cents: 90 },
        { name: 'SGST', rateBp: 900, cents: 90 },
      ],
      taxCents: 180,
      totalCents: 1180,
      rateBp: 1800,
      note: null,
    });
  });

  it('another state: IGST 18 %', () => {
    expect(computeTax(5000, KARNATAKA_SELLER, { country: 'IN', state: '27' })).toEqual({
      treatment: 'igst',
      netCents: 5000,
      lines: [{ name: 'IGST', rateBp: 1800, cents: 900 }],
      taxCents: 900,
      totalCents: 5900,
      rateBp: 1800,
      note: null,
    });
  });

  it('outside India: 0 % with the export note', () => {
    expect(computeTax(25000, KARNATAKA_SELLER, { country: 'US', state: 'CA' })).toEqual({
      treatment: 'export',
      netCents: 25000,
      lines: [],
      taxCents: 0,
      totalCents: 25000,
      rateBp: 0,
      note: EXPORT_NOTE,
    });
  });

  it('no billing profile: the seller state (CGST + SGST)', () => {
    expect(computeTax(1000, KARNATAKA_SELLER, null).treatment).toBe('cgst_sgst');
  });

  it('rounds each line half up to the cent; CGST + SGST may differ from IGST by a cent', () => {
    // 9 % of 5 cents = 0.45 -> 0; 9 % of 6 = 0.54 -> 1; 18 % of 5 = 0.9 -> 1
    expect(percentOf(5, 900)).toBe(0);
    expect(percentOf(6, 900)).toBe(1);
    expect(percentOf(50, 900)).toBe(5); // 4.5 -> 5 (half up)
    expect(percentOf(5, 1800)).toBe(1);
    expect(computeTax(5, KARNATAKA_SELLER, { country: 'IN', state: '29' }).taxCents).toBe(0);
    expect(computeTax(5, KARNATAKA_SELLER, { country: 'IN', state: '07' }).taxCents).toBe(1);
    expect(computeTax(50, KARNATAKA_SELLER, { country: 'IN', state: '29' })).toMatchObject({ taxCents: 10, totalCents: 60 });
    expect(computeTax(50, KARNATAKA_SELLER, { country: 'IN', state: '07' })).toMatchObject({ taxCents: 9, totalCents: 59 });
  });

  it('integers only: a fractional or negative amount is refused', () => {
    expect(() => percentOf(10.5, 900)).toThrow(RangeError);
    expect(() => percentOf(-1, 900)).toThrow(RangeError);
    expect(percentOf(Number.MAX_SAFE_INTEGER, 1800)).toBe(1621295865853378); // bigint inside: no float error
  });
});

describe('GSTIN', () => {
  it('accepts real GSTINs (format, state code and check character)', () => {
    for (const gstin of ['27AAPFU0939F1ZV', '29AAGCB7383J1Z4', '33AAACH7409R1Z8']) expect(gstinProblem(gstin), gstin).toBeNull();
    expect(gstinCheckChar('27AAPFU0939F1Z')).toBe('V');
  });

  it('refuses a wrong check character, a bad format and an unknown state code', () => {
    expect(gstinProblem('27AAPFU0939F1ZW')).toContain('check character');
    expect(gstinProblem('29AAGCB7383J1Z5')).toContain('check character');
    expect(isValidGstin('27AAPFU0939F1Z')).toBe(false);
    expect(isValidGstin('27aapfu0939f1zv')).toBe(false);
    expect(gstinProblem('27AAPFU0939F1XV')).toContain('15 characters');
    expect(gstinProblem(`99AAPFU0939F1Z${gstinCheckChar('99AAPFU0939F1Z')}`)).toContain('not a GST state code');
  });
});
