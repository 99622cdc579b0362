import { z } from 'zod';
import { ProviderError, type ProviderMessage } from './model-provider';

/**
 * Prompts for the three AI features, and parsers for what comes back. The same builders serve
 * the cost estimate and the call, so the estimate shown is for exactly the prompt that is sent.
 * The demo model reads the markers below (`Requirement:`, `Test cases:`) to shape its answer.
 */
export { MAX_OUTPUT_TOKENS, TYPICAL_OUTPUT_TOKENS } from '@ai-credits/shared/catalog';
/** How much of a conversation goes back to the model with each new message. */
export const CHAT_HISTORY_MESSAGES = 10;
/** How many of a project's test cases a report reads (the newest). */
export const REPORT_MAX_TEST_CASES = 150;

export const REQUIREMENT_MARKER = 'Requirement:';
export const TEST_CASES_MARKER = 'Test cases:';
/** The line that ends a report's summary and starts its list of gaps (the report is read as it streams). */
export const GAPS_MARKER = 'Gaps:';

export function testGenerationPrompt(projectName: string, requirement: string): ProviderMessage[] {
  return [
    {
      role: 'system',
      content:
        'You are a senior QA engineer. Write test cases for the requirement the user gives. ' +
        'Answer with JSON only, no prose: {"testCases":[{"area":string,"title":string,"preconditions":string,"steps":[string],"expectedResult":string}]}. ' +
        'Cover the main flow, negative cases and boundary values. "area" is the functional area (e.g. Authentication, Checkout). At most 12 test cases.',
    },
    { role: 'user', content: `Project: ${projectName}\n${REQUIREMENT_MARKER}\n${requirement}` },
  ];
}

export function chatPrompt(
  projectName: string,
  testCaseCount: number,
  history: readonly { role: 'user' | 'assistant'; content: string }[],
  message: string,
): ProviderMessage[] {
  return [
    {
      role: 'system',
      content:
        `You are the testing assistant of the project "${projectName}" (${testCaseCount} saved test cases). ` +
        'Help with test design, test data, bug reports and coverage. Be concise and concrete; use short lists.',
    },
    ...history.slice(-CHAT_HISTORY_MESSAGES).map((m) => ({ role: m.role, content: m.content })),
    { role: 'user', content: message },
  ];
}

export function reportPrompt(projectName: string, testCases: readonly { area: string; title: string }[]): ProviderMessage[] {
  const lines = testCases.map((t) => `- [${t.area}] ${t.title}`).join('\n');
  return [
    {
      role: 'system',
      content:
        'You are a QA lead reviewing the test suite of a project. Assess its coverage by functional area and name the gaps ' +
        '(missing areas, missing negative or boundary cases, thin areas). Answer in plain text, no Markdown headings: a short summary paragraph, ' +
        `then a line "${GAPS_MARKER}" and one line per gap starting with "- ".`,
    },
    { role: 'user', content: `Project: ${projectName}\n${TEST_CASES_MARKER} ${testCases.length}\n${lines}` },
  ];
}

/** Models often wrap JSON in a code fence or add a sentence around it: take the outermost object. */
function extractJson(text: string): unknown {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start < 0 || end <= start) return undefined;
  try {
    return JSON.parse(text.slice(start, end + 1));
  } catch {
    return undefined;
  }
}

const Text = (max: number) => z.string().trim().min(1).transform((s) => s.slice(0, max));

const GeneratedTestCaseSchema = z.object({
  area: z.string().trim().transform((s) => (s ? s.slice(0, 60) : 'General')).catch('General'),
  title: Text(200),
  preconditions: z
    .union([z.string(), z.array(z.string()).transform((a) => a.join('; '))])
    .transform((s) => s.trim().slice(0, 1000) || 'None')
    .catch('None'),
  steps: z.array(Text(500)).min(1).max(30),
  expectedResult: Text(1000),
});
export type GeneratedTestCase = z.infer<typeof GeneratedTestCaseSchema>;

export function parseTestCases(text: string): GeneratedTestCase[] {
  const parsed = z.object({ testCases: z.array(z.unknown()) }).safeParse(extractJson(text));
  if (!parsed.success) throw new ProviderError('The model did not answer with test cases');
  // Keep the well-formed cases; a model may get one of many wrong.
  const cases = parsed.data.testCases.flatMap((c) => {
    const one = GeneratedTestCaseSchema.safeParse(c);
    return one.success ? [one.data] : [];
  });
  if (cases.length === 0) throw new ProviderError('The model answered with no usable test cases');
  return cases.slice(0, 30);
}

/**
 * A report: the summary, then a "Gaps:" line and a "- " line per gap (reportPrompt). Read the
 * same way when it was cut short (what was written so far). A model that answered with JSON
 * ({"summary", "gaps"}) or in prose only is read too.
 */
export function parseReport(text: string): { summary: string; gaps: string[] } {
  const parsed = z
    .object({ summary: z.string().trim().min(1), gaps: z.array(z.string().trim().min(1)).catch([]) })
    .safeParse(extractJson(text));
  if (parsed.success) return { summary: parsed.data.summary.slice(0, 4000), gaps: parsed.data.gaps.slice(0, 20).map((g) => g.slice(0, 500)) };
  const marker = new RegExp(`^[ \\t*#]*${GAPS_MARKER}[ \\t*]*$`, 'mi').exec(text);
  const summary = (marker ? text.slice(0, marker.index) : text).trim();
  const gaps = marker
    ? text
        .slice(marker.index + marker[0].length)
        .split('\n')
        .map((l) => /^\s*[-*•]\s+(.*\S)/.exec(l)?.[1])
        .filter((g): g is string => g !== undefined)
    : [];
  if (!summary && gaps.length === 0) throw new ProviderError('The model answered with an empty report');
  return { summary: summary.slice(0, 4000), gaps: gaps.slice(0, 20).map((g) => g.slice(0, 500)) };
}

/** The report as text, as the model is asked to write it (the demo model writes it so). */
export function reportText(report: { summary: string; gaps: readonly string[] }): string {
  return report.gaps.length ? `${report.summary}\n\n${GAPS_MARKER}\n${report.gaps.map((g) => `- ${g}`).join('\n')}` : report.summary;
}

/**
 * The whole test cases in a generation's text so far (a streamed answer, or one cut short): each
 * complete object of the "testCases" array that reads as a test case. A case still being written
 * is not one; the cases of a finished answer are parseTestCases'.
 */
export function wholeTestCases(text: string): GeneratedTestCase[] {
  const key = text.indexOf('"testCases"');
  const open = key < 0 ? -1 : text.indexOf('[', key);
  if (open < 0) return [];
  const cases: GeneratedTestCase[] = [];
  let depth = 0;
  let inString = false;
  let escaped = false;
  let objectStart = -1;
  for (let i = open + 1; i < text.length; i += 1) {
    const ch = text[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === '\\') escaped = true;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    else if (ch === '{' || ch === '[') {
      if (depth === 0 && ch === '{') objectStart = i;
      depth += 1;
    } else if (ch === '}' || ch === ']') {
      if (depth === 0) break; // the end of the array
      depth -= 1;
      if (depth === 0 && ch === '}' && objectStart >= 0) {
        const one = GeneratedTestCaseSchema.safeParse(parseOrUndefined(text.slice(objectStart, i + 1)));
        if (one.success) cases.push(one.data);
        objectStart = -1;
      }
    }
  }
  return cases.slice(0, 30);
}

function parseOrUndefined(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    return undefined;
  }
}

export function parseChatReply(text: string): string {
  const reply = text.trim();
  if (!reply) throw new ProviderError('The model answered with an empty message');
  return reply;
}
