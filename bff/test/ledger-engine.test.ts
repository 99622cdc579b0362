import { describe, expect, it } from 'vitest';
import { applyBatch, type BatchInput, type LedgerOp, type OrgState } from '../src/features/ledger/ledger-engine';

/**
 * The ledger's rules without PostgreSQL (issue 23): one org's batch applied to a state given
 * here, every expected value written out. The same rules run against the database in
 * ledger.test.ts, ledger-batch*.test.ts and the fault tests.
 */
const NOW = new Date('2026-12-05T12:00:00Z');
const ORG = '00000000-0000-4000-8000-000000000001';
const USER = '00000000-0000-4000-8000-0000000000aa';

function org(over: Partial<OrgState> = {}): OrgState {
  return {
    id: ORG,
    createdAt: new Date('2026-11-01T00:00:00Z'),
    periodStart: new Date('2026-12-01T00:00:00Z'),
    periodEnd: new Date('2027-01-01T00:00:00Z'),
    balanceMc: 300_000n,
    aiEnabled: true,
    overageLimitMc: 0n,
    ...over,
  };
}

function read(over: Partial<BatchInput['read']> = {}): BatchInput['read'] {
  return {
    org: null,
    ownerName: null,
    budgets: [],
    month: { grantedMc: 300_000n, remainingMc: 300_000n },
    alertSettings: null,
    autoTopUp: null,
    held: 0n,
    // burn order as the batch read gives it: the allowance, then a purchase
    grants: [
      { id: 'allowance', remaining: 100_000n },
      { id: 'purchase', remaining: 200_000n },
    ],
    idempotency: [],
    reservations: [],
    ...over,
  };
}

// gpt-4o: 2,500 mc per 1,000 input tokens
const record = (inputTokens: number, idempotencyKey?: string): LedgerOp => ({
  kind: 'record',
  input: { orgId: ORG, userId: USER, projectId: null, apiKeyId: null, source: 'api', useCase: 'chat', model: 'gpt-4o', inputTokens, outputTokens: 0, idempotencyKey },
});

const run = (ops: LedgerOp[], state = org(), batchRead = read()) => ({ state, ...applyBatch({ org: state, now: NOW, read: batchRead, ops, reservationTtlSeconds: 300 }) });
const codeOf = (o: { ok: boolean; error?: unknown }) => (o.ok ? 'ok' : (o.error as { code: string }).code);

describe('ledger engine (no database)', () => {
  it('checks each operation against what the ones before it left: a batch never overdraws', () => {
    const r = run([record(100_000), record(40_000), record(20_000)]); // 250,000 / 100,000 / 50,000 mc
    expect(r.outcomes.map(codeOf)).toEqual(['ok', 'INSUFFICIENT_CREDITS', 'ok']);
    expect(r.state.balanceMc).toBe(0n);
    expect(r.consumedMc).toBe(300_000n);
    expect(r.changed).toBe(true);
    expect(r.writes.usages.map((u) => [u.charged_mc, u.overage_mc])).toEqual([
      [250_000n, 0n],
      [50_000n, 0n],
    ]);
    expect(r.writes.ledger.map((e) => [e.amount_mc, e.balance_after_mc])).toEqual([
      [-250_000n, 50_000n],
      [-50_000n, 0n],
    ]);
    // the allowance first, then the purchase
    expect(JSON.parse(r.writes.usages[0]!.allocations)).toEqual([
      { grantId: 'allowance', mc: '100000' },
      { grantId: 'purchase', mc: '150000' },
    ]);
    expect(r.writes.grants).toEqual([
      { id: 'allowance', remaining_mc: 0n },
      { id: 'purchase', remaining_mc: 0n },
    ]);
    // one daily rollup row for both (same day, use case, model, member)
    expect(r.writes.daily.map((d) => [d.day, d.charged_mc, d.calls])).toEqual([['2026-12-05', 300_000n, 2]]);
  });

  it('overage only up to the limit; past it the refusal names the limit', () => {
    const r = run([record(120_000), record(12_000)], org({ overageLimitMc: 25_000n })); // 300,000, then 30,000 of the 25,000 room
    expect(r.outcomes.map(codeOf)).toEqual(['ok', 'OVERAGE_LIMIT_REACHED']);
    expect(r.state.balanceMc).toBe(0n);
    const o = run([record(128_000)], org({ overageLimitMc: 25_000n })); // 320,000 mc: 20,000 of overage
    expect(o.outcomes.map(codeOf)).toEqual(['ok']);
    expect(o.state.balanceMc).toBe(-20_000n);
    expect(o.writes.usages[0]!.overage_mc).toBe(20_000n);
  });

  it('the same Idempotency-Key: one effect and the first answer; another request with it is refused', () => {
    const r = run([record(4_000, 'key-1'), record(4_000, 'key-1'), record(8_000, 'key-1')]);
    expect(r.outcomes.map(codeOf)).toEqual(['ok', 'ok', 'IDEMPOTENCY_KEY_REUSED']);
    expect(r.outcomes[1]).toMatchObject({ ok: true, replay: true });
    expect((r.outcomes[1] as { value: unknown }).value).toEqual((r.outcomes[0] as { value: unknown }).value);
    expect(r.writes.usages).toHaveLength(1);
    expect(r.writes.idempotency.map((k) => k.key)).toEqual(['key-1']);
    expect(r.state.balanceMc).toBe(290_000n);
  });

  it('AI switched off: every metered operation is refused and nothing is written', () => {
    const r = run([record(1_000)], org({ aiEnabled: false }));
    expect(r.outcomes.map(codeOf)).toEqual(['AI_DISABLED']);
    expect(r.writes.usages).toEqual([]);
    expect(r.writes.ledger).toEqual([]);
    expect(r.changed).toBe(false);
  });

  it('a member budget is enforced with the balance, and its refusal fires its thresholds and "AI stopped"', () => {
    const budget = { type: 'user' as const, id: USER, name: 'Mia Member', limitMc: 30_000n, usedMc: 20_000n };
    const r = run([record(4_000), record(4_000)], org(), read({ budgets: [budget] })); // 10,000 mc each: 30,000 then 40,000
    expect(r.outcomes.map(codeOf)).toEqual(['ok', 'BUDGET_REACHED']);
    expect(r.state.balanceMc).toBe(290_000n);
    expect(r.crossings).toEqual([
      { subject: `user:${USER}`, threshold: 90, usedMc: 30_000n, totalMc: 30_000n, refused: true },
      { subject: `user:${USER}`, threshold: 100, usedMc: 30_000n, totalMc: 30_000n, refused: true },
      { subject: `stopped:user:${USER}`, threshold: 100, usedMc: 30_000n, totalMc: 30_000n, refused: true, stopped: 'member_budget' },
    ]);
  });

  it('the refusal names the owner who can raise the limit (issue 24)', () => {
    const budget = { type: 'user' as const, id: USER, name: 'Mia Member', limitMc: 2_000n, usedMc: 2_000n };
    const r = run([record(100)], org(), read({ budgets: [budget], ownerName: 'Olivia Owens' }));
    const error = (r.outcomes[0] as { error: Error }).error;
    expect(error.message).toMatch(/ Olivia Owens \(the owner\) can raise the budget in Settings → Budgets\.$/);
  });

  it('a refusal with a credit or more left is no "AI stopped": one oversized request does not stop AI', () => {
    const budget = { type: 'user' as const, id: USER, name: 'Mia Member', limitMc: 30_000n, usedMc: 20_000n };
    const r = run([record(8_000)], org(), read({ budgets: [budget] })); // 20,000 mc > the 10,000 left
    expect(r.outcomes.map(codeOf)).toEqual(['BUDGET_REACHED']);
    expect(r.crossings.map((c) => c.subject)).toEqual([`user:${USER}`, `user:${USER}`]);
    const broke = run([record(8_000)], org({ balanceMc: 500n })); // half a credit left, no overage: out of credits
    expect(broke.outcomes.map(codeOf)).toEqual(['INSUFFICIENT_CREDITS']);
    expect(broke.crossings.filter((c) => c.stopped)).toEqual([expect.objectContaining({ subject: 'stopped:balance', stopped: 'balance' })]);
    // In overage: half a credit left under the 150-credit limit.
    const capped = run([record(8_000)], org({ balanceMc: -149_500n, overageLimitMc: 150_000n }));
    expect(capped.outcomes.map(codeOf)).toEqual(['OVERAGE_LIMIT_REACHED']);
    expect(capped.crossings.filter((c) => c.stopped)).toEqual([{ subject: 'stopped:overage_limit', threshold: 100, usedMc: 149_500n, totalMc: 150_000n, stopped: 'overage_limit' }]);
  });

  it("the month's credit thresholds crossed by the batch, once each", () => {
    const r = run([record(60_000), record(40_000)]); // 150,000 then 100,000 mc of 300,000: 50 % and 75 %
    expect(r.crossings).toEqual([
      { subject: 'credits', threshold: 50, usedMc: 250_000n, totalMc: 300_000n },
      { subject: 'credits', threshold: 75, usedMc: 250_000n, totalMc: 300_000n },
    ]);
  });

  it('reserve holds what fits; settle charges the real tokens, never more than held; release gives it back', () => {
    const reserve: LedgerOp = { kind: 'reserve', input: { orgId: ORG, userId: USER, projectId: null, apiKeyId: null, source: 'api', useCase: 'chat', model: 'gpt-4o', estimateMc: 50_000n } };
    const r = run([reserve]);
    expect(r.outcomes.map(codeOf)).toEqual(['ok']);
    const held = (r.outcomes[0] as { value: { reservation: { id: string; estimateMc: number; expiresAt: string }; balance: unknown } }).value;
    expect(held.reservation.estimateMc).toBe(50_000);
    expect(held.reservation.expiresAt).toBe('2026-12-05T12:05:00.000Z');
    expect(held.balance).toEqual({ balanceMc: 300_000, availableMc: 250_000 });

    const row = r.writes.newReservations[0]!;
    const settle = (inputTokens: number): LedgerOp => ({ kind: 'settle', input: { orgId: ORG, reservationId: row.id, inputTokens, outputTokens: 0 } });
    const s = run([settle(30_000), settle(8_000)], org(), read({ held: 50_000n, reservations: [{ ...row }] }));
    // 75,000 mc is more than the 50,000 held; then 20,000 mc settles it
    expect(s.outcomes.map(codeOf)).toEqual(['SETTLE_EXCEEDS_RESERVATION', 'ok']);
    expect(s.state.balanceMc).toBe(280_000n);
    expect(s.writes.closedReservations.map((c) => c.status)).toEqual(['settled']);

    const released = run([{ kind: 'release', input: { orgId: ORG, reservationId: row.id } }], org(), read({ held: 50_000n, reservations: [{ ...row }] }));
    expect(released.outcomes.map(codeOf)).toEqual(['ok']);
    expect((released.outcomes[0] as { value: { balance: unknown } }).value.balance).toEqual({ balanceMc: 300_000, availableMc: 300_000 });
    expect(released.writes.usages).toEqual([]);
  });

  it('configure (the owner\'s settings): AI off releases every open reservation the batch read and refuses what follows; returns from and to', () => {
    const open = (id: string, expiresAt: string) => ({
      org_id: ORG, id, status: 'open' as const, user_id: USER, project_id: null, api_key_id: null, source: 'app' as const, use_case: 'chat', model: 'gpt-4o',
      estimate_mc: 10_000n, usage_id: null, created_at: NOW, expires_at: new Date(expiresAt), closed_at: null,
    });
    const reserve: LedgerOp = { kind: 'reserve', input: { orgId: ORG, userId: USER, projectId: null, apiKeyId: null, source: 'api', useCase: 'chat', model: 'gpt-4o', estimateMc: 1_000n } };
    const off: LedgerOp = { kind: 'configure', input: { orgId: ORG, aiEnabled: false } };
    const r = run([reserve, off, reserve, { kind: 'settle', input: { orgId: ORG, reservationId: 'a', inputTokens: 1, outputTokens: 0 } }], org(), read({
      held: 10_000n,
      // one open and held, one open past its expiry (released too, as before: it holds nothing)
      reservations: [open('a', '2026-12-05T12:03:00Z'), open('b', '2026-12-05T11:00:00Z')],
    }));
    expect(r.outcomes.map(codeOf)).toEqual(['ok', 'ok', 'AI_DISABLED', 'RESERVATION_NOT_OPEN']);
    expect((r.outcomes[1] as { value: unknown }).value).toEqual({ from: { aiEnabled: true, overageLimitMc: 0n }, to: { aiEnabled: false, overageLimitMc: 0n }, at: NOW });
    expect(r.state.aiEnabled).toBe(false);
    expect(r.changed).toBe(true);
    expect(r.writes.closedReservations.map((c) => [c.id, c.status])).toEqual([['a', 'released'], ['b', 'released']]);
    // the reserve before the switch was new in this batch: written as released
    expect(r.writes.newReservations.map((c) => c.status)).toEqual(['released']);
    expect(r.consumedMc).toBe(0n);

    const limit = run([{ kind: 'configure', input: { orgId: ORG, overageLimitMc: 10_000n } }, record(130_000)]); // 325,000 mc: 25,000 over
    expect(limit.outcomes.map(codeOf)).toEqual(['ok', 'OVERAGE_LIMIT_REACHED']);
    const limit2 = run([{ kind: 'configure', input: { orgId: ORG, overageLimitMc: 30_000n } }, record(130_000)]);
    expect(limit2.outcomes.map(codeOf)).toEqual(['ok', 'ok']);
    expect(limit2.state).toMatchObject({ balanceMc: -25_000n, overageLimitMc: 30_000n, aiEnabled: true });

    // Nothing to change: no write of the org row.
    const same = run([{ kind: 'configure', input: { orgId: ORG, aiEnabled: true, overageLimitMc: 0n } }]);
    expect((same.outcomes[0] as { value: unknown }).value).toEqual({ from: { aiEnabled: true, overageLimitMc: 0n }, to: { aiEnabled: true, overageLimitMc: 0n }, at: NOW });
    expect(same.changed).toBe(false);
  });
});
