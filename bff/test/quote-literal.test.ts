import { escapeLiteral } from 'pg';
import { describe, expect, it } from 'vitest';
import { quoteLiteral } from '../src/features/ledger/ledger.repository';

/** The ledger's batch write quotes its JSON itself (ledger.repository.ts): exactly as pg's escapeLiteral does. */
describe('quoteLiteral', () => {
  it('is pg.escapeLiteral, character for character', () => {
    const samples = ['', 'plain', "it's", "''", '\\', 'a\\b', "O'Brien \\ back\\slash 'x'", '{"k":"v\\"q","n":"\\u0000"}', 'ünïcödé 😀 \' \\\\'];
    const random = Array.from({ length: 200 }, (_, i) => Array.from({ length: i % 40 }, () => "ab'\\\"{} é"[Math.floor(Math.random() * 10)]).join(''));
    for (const s of [...samples, ...random]) expect(quoteLiteral(s), s).toBe(escapeLiteral(s));
  });
});
