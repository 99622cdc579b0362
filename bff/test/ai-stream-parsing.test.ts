import { describe, expect, it } from 'vitest';
import { parseReport, reportText, wholeTestCases } from '../src/features/ai/prompts';

/**
 * What is kept of a streamed report or generation cut short (ADR 026): read from the text as it
 * stands, wherever it was cut.
 */
const aCase = (title: string) => ({ area: 'Checkout', title, preconditions: 'A cart', steps: ['Open the cart', 'Pay'], expectedResult: 'Paid' });

describe('wholeTestCases', () => {
  const json = JSON.stringify({ testCases: [aCase('One {brace} and "quotes" \\ here'), aCase('Two ]}'), aCase('Three')] });

  it('keeps every complete case, and never one cut midway, wherever the text ends', () => {
    const counts = new Set<number>();
    for (let end = 0; end <= json.length; end += 1) {
      const cases = wholeTestCases(json.slice(0, end));
      counts.add(cases.length);
      // A case is kept only once its closing brace was written, and whole.
      for (const [i, c] of cases.entries()) expect(c).toEqual(JSON.parse(json).testCases[i]);
    }
    expect([...counts]).toEqual([0, 1, 2, 3]);
  });

  it('reads a fenced answer and skips a case that is not one', () => {
    const text = '```json\n{"testCases":[{"area":"A","title":"","steps":[]},' + JSON.stringify(aCase('Good')) + ',{"area":"B"';
    expect(wholeTestCases(text).map((c) => c.title)).toEqual(['Good']);
  });

  it('nothing before the array', () => {
    expect(wholeTestCases('{"testCa')).toEqual([]);
    expect(wholeTestCases('')).toEqual([]);
  });
});

describe('parseReport', () => {
  it('reads back the text format it asks for, whole or cut short', () => {
    const report = { summary: 'Three cases in two areas.', gaps: ['No refunds.', 'Sign-in has one case.'] };
    expect(parseReport(reportText(report))).toEqual(report);
    expect(parseReport('Three cases in two areas.\n\nGaps:\n- No refunds.\n- Sign-in')).toEqual({ summary: 'Three cases in two areas.', gaps: ['No refunds.', 'Sign-in'] });
    expect(parseReport('Three cases in')).toEqual({ summary: 'Three cases in', gaps: [] });
    expect(parseReport('**Gaps:**\n- Only gaps')).toEqual({ summary: '', gaps: ['Only gaps'] });
  });

  it('still reads a model that answers JSON', () => {
    expect(parseReport('{"summary":"S","gaps":["G"]}')).toEqual({ summary: 'S', gaps: ['G'] });
  });
});
