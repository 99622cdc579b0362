import type { ModelRate } from '@ai-credits/shared/catalog';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Completion, CompletionRequest, ModelProvider, ProviderMessage, StreamPart } from './model-provider';
import { reportText, REQUIREMENT_MARKER, TEST_CASES_MARKER, type GeneratedTestCase } from './prompts';
import { countPromptTokens, countTokens } from './tokenizer';

/**
 * The built-in offline model (docs/product.md "AI features": the product works with no network).
 * It is not a language model: it derives its answer from the prompt with fixed rules, so the
 * same prompt always gives the same answer and the same token counts (tokenizer.ts), which are
 * charged at the catalog's demo-model rate like any other model.
 */
export function createDemoModel(model: ModelRate, options: { pieceDelayMs?: number } = {}): ModelProvider {
  const pieceDelayMs = options.pieceDelayMs ?? DEMO_PIECE_DELAY_MS;
  return {
    model,
    async complete(request: CompletionRequest): Promise<Completion> {
      const text = answer(request);
      return { text, inputTokens: countPromptTokens(request.messages), outputTokens: countTokens(text) };
    },
    /** The same answer, a word (with the space after it) at a time, paced like a model writing, then its usage. */
    async *stream(request: CompletionRequest, signal: AbortSignal): AsyncGenerator<StreamPart> {
      const text = answer(request);
      for (const piece of text.match(/\S+\s*|\s+/g) ?? []) {
        signal.throwIfAborted();
        yield { type: 'text', text: piece };
        if (pieceDelayMs > 0) await sleep(pieceDelayMs, undefined, { signal });
      }
      yield { type: 'usage', inputTokens: countPromptTokens(request.messages), outputTokens: countTokens(text) };
    },
  };
}

/** The demo model's pace when streaming: about 40 words a second. */
export const DEMO_PIECE_DELAY_MS = 25;

function answer(request: CompletionRequest): string {
  const last = lastUserMessage(request.messages);
  switch (request.task) {
    case 'test_generation':
      return fitJson(testCasesFor(afterMarker(last, REQUIREMENT_MARKER)), request.maxOutputTokens, (cases) => ({ testCases: cases }));
    case 'report':
      return fitReport(reportFor(last), request.maxOutputTokens);
    case 'chat':
      return fitText(chatReply(request.messages, last), request.maxOutputTokens);
  }
}

function lastUserMessage(messages: readonly ProviderMessage[]): string {
  for (let i = messages.length - 1; i >= 0; i -= 1) if (messages[i]?.role === 'user') return messages[i]!.content;
  return '';
}

function afterMarker(text: string, marker: string): string {
  const at = text.indexOf(marker);
  return at < 0 ? text : text.slice(at + marker.length).trim();
}

// Test cases --------------------------------------------------------------------------------

const AREAS: [RegExp, string][] = [
  [/\b(log ?in|sign ?in|sign ?up|password|2fa|otp|session|logout|log out|authenticat)/i, 'Authentication'],
  [/\b(pay|payment|checkout|cart|order|invoice|refund|coupon|price|discount)/i, 'Checkout & payments'],
  [/\b(search|filter|sort|find)/i, 'Search'],
  [/\b(email|notif|sms|alert|remind)/i, 'Notifications'],
  [/\b(upload|download|file|attachment|image|export|import|csv)/i, 'Files'],
  [/\b(role|permission|admin|owner|access|forbid)/i, 'Access control'],
  [/\b(profile|account|settings|preference)/i, 'Account'],
  [/\b(report|dashboard|chart|analytics)/i, 'Reporting'],
  [/\b(error|fail|invalid|timeout|retry)/i, 'Error handling'],
];

function areaOf(sentence: string): string {
  return AREAS.find(([re]) => re.test(sentence))?.[1] ?? 'Core flow';
}

function sentencesOf(requirement: string): string[] {
  return requirement
    .split(/(?<=[.!?;])\s+|\n+/)
    .map((s) => s.replace(/^[\s*•\-–\d.)]+/, '').trim())
    .filter((s) => s.split(/\s+/).length >= 3);
}

const clause = (s: string) => s.replace(/[.!?;:]+$/, '').trim();
const lowerFirst = (s: string) => (s ? s[0]!.toLowerCase() + s.slice(1) : s);
const upperFirst = (s: string) => (s ? s[0]!.toUpperCase() + s.slice(1) : s);

/** First person in a user story -> third person in a test case ("save my cart" -> "save their cart"). */
const thirdPerson = (s: string) =>
  s.replace(/\b(I am|I'm)\b/gi, 'they are').replace(/\bmy\b/gi, 'their').replace(/\bme\b/gi, 'them').replace(/\bmine\b/gi, 'theirs').replace(/\bI\b/g, 'they').replace(/(^|\s)i(?=\s)/g, '$1they');

/** "As a shopper, I want to save my cart so that ..." -> actor, goal, benefit. */
function userStory(s: string): { actor: string; goal: string; benefit: string | null } | null {
  const m = /^as an? ([^,]+),\s*i (?:want|need|would like)(?: to)? (.+?)(?:,?\s+so that (.+))?$/i.exec(clause(s));
  return m ? { actor: m[1]!.trim(), goal: thirdPerson(m[2]!.trim()), benefit: m[3] ? thirdPerson(m[3].trim()) : null } : null;
}

function testCasesFor(requirement: string): GeneratedTestCase[] {
  const sentences = sentencesOf(requirement);
  if (sentences.length === 0 && requirement.trim()) sentences.push(requirement.trim());
  const cases: GeneratedTestCase[] = [];
  for (const sentence of sentences.slice(0, 8)) {
    const area = areaOf(sentence);
    const story = userStory(sentence);
    const negative = /\b(must not|should not|cannot|can't|never|not allowed|reject|invalid|only)\b/i.test(sentence);
    const what = clause(story ? story.goal : sentence);
    if (story) {
      cases.push({
        area,
        title: `${upperFirst(story.actor)} can ${lowerFirst(what)}`,
        preconditions: `Signed in as ${story.actor}; test data for "${what}" exists`,
        steps: [`Sign in as ${story.actor}`, `Open the ${area.toLowerCase()} screen`, `${upperFirst(what)}`, 'Confirm the action'],
        expectedResult: story.benefit ? `The action succeeds so that ${lowerFirst(clause(story.benefit))}` : `The action succeeds and is visible to ${story.actor}`,
      });
    } else if (negative) {
      cases.push({
        area,
        title: `Enforces: ${lowerFirst(what)}`,
        preconditions: 'The system is running with default settings',
        steps: [`Open the ${area.toLowerCase()} screen`, `Attempt an action that breaks the rule "${lowerFirst(what)}"`, 'Submit'],
        expectedResult: 'The action is refused with a clear message and no data changes',
      });
    } else {
      cases.push({
        area,
        title: `Verify ${lowerFirst(what)}`,
        preconditions: 'A user is signed in with access to the feature',
        steps: [`Open the ${area.toLowerCase()} screen`, `Perform the flow: ${lowerFirst(what)}`, 'Check the result on screen and after a reload'],
        expectedResult: upperFirst(what) + '.',
      });
    }
    const number = /\b(\d{1,6})\b/.exec(sentence)?.[1];
    if (number) {
      const n = Number(number);
      cases.push({
        area,
        title: `Boundary values around ${n} for: ${lowerFirst(clause(sentence)).slice(0, 80)}`,
        preconditions: 'Test data at the boundary is prepared',
        steps: [`Try the value ${Math.max(n - 1, 0)}`, `Try the value ${n}`, `Try the value ${n + 1}`],
        expectedResult: `Values on the allowed side of ${n} are accepted; the others are refused with a clear message`,
      });
    }
  }
  const area = cases[0]?.area ?? 'Core flow';
  cases.push({
    area: 'Error handling',
    title: `Invalid or missing input is rejected (${area.toLowerCase()})`,
    preconditions: 'A user is signed in with access to the feature',
    steps: [`Open the ${area.toLowerCase()} screen`, 'Leave required fields empty or enter malformed values', 'Submit'],
    expectedResult: 'Each invalid field shows an error; nothing is saved',
  });
  return cases;
}

// Report ------------------------------------------------------------------------------------

const EXPECTED_AREAS = ['Authentication', 'Access control', 'Error handling'];

function reportFor(prompt: string): { summary: string; gaps: string[] } {
  const lines = afterMarker(prompt, TEST_CASES_MARKER)
    .split('\n')
    .map((l) => /^- \[([^\]]+)\] (.*)$/.exec(l.trim()))
    .filter((m): m is RegExpExecArray => m !== null);
  const byArea = new Map<string, string[]>();
  for (const m of lines) byArea.set(m[1]!, [...(byArea.get(m[1]!) ?? []), m[2]!]);
  const ranked = [...byArea.entries()].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]));
  const gaps: string[] = [];
  for (const [area, titles] of ranked) {
    if (titles.length === 1) gaps.push(`${area} has a single test case; add negative and boundary cases.`);
    else if (!titles.some((t) => /\b(reject|refus|invalid|enforces|error|boundary)/i.test(t))) gaps.push(`${area} has no negative or boundary case.`);
  }
  for (const area of EXPECTED_AREAS) if (!byArea.has(area)) gaps.push(`No test covers ${area.toLowerCase()}.`);
  if (lines.length > 0 && !lines.some((m) => /\b(concurren|parallel|load|performance)/i.test(m[2]!))) gaps.push('No test covers concurrent use or performance.');
  const [top] = ranked;
  const summary =
    lines.length === 0
      ? 'The project has no test cases yet.'
      : `${lines.length} test case${lines.length === 1 ? '' : 's'} across ${byArea.size} area${byArea.size === 1 ? '' : 's'}. ` +
        `The best covered area is ${top![0]} (${top![1].length}). ${gaps.length ? `${gaps.length} gap${gaps.length === 1 ? '' : 's'} found.` : 'No obvious gaps.'}`;
  return { summary, gaps };
}

// Chat --------------------------------------------------------------------------------------

function chatReply(messages: readonly ProviderMessage[], question: string): string {
  const project = /project "([^"]+)"/.exec(messages[0]?.content ?? '')?.[1] ?? 'this project';
  const topic = clause(question.split('\n')[0] ?? '').slice(0, 120);
  const q = question.toLowerCase();
  const turns = messages.filter((m) => m.role === 'user').length;
  const intro = turns > 1 ? `Following up on our conversation about ${project}:` : `For ${project}, here is how I would approach "${topic}":`;
  let points: string[];
  if (/\b(bug|defect|report|issue)\b/.test(q)) {
    points = ['Write a one-line title naming the symptom and where it happens.', 'List exact steps to reproduce, with test data.', 'State expected vs. actual result and attach logs or a screenshot.', 'Note severity, environment and build.'];
  } else if (/\b(data|input|value|boundary|edge)\b/.test(q)) {
    points = ['Use equivalence classes: one valid and one invalid value per class.', 'Add boundary values: min-1, min, max, max+1.', 'Include empty, very long, Unicode and whitespace-only inputs.', 'Keep the data in fixtures so runs are repeatable.'];
  } else if (/\b(automat|regression|ci|pipeline)\b/.test(q)) {
    points = ['Automate the stable, high-value flows first (sign-in, checkout).', 'Run the smoke set on every merge and the full regression nightly.', 'Keep tests independent: each creates its own data.', 'Track flaky tests and fix or quarantine them within a day.'];
  } else {
    points = ['Start from the acceptance criteria and write one positive case per criterion.', 'Add negative cases for each rule and validation.', 'Cover permissions: each role that may, and may not, do it.', 'Finish with boundary values and error recovery (timeouts, retries).'];
  }
  return `${intro}\n${points.map((p, i) => `${i + 1}. ${p}`).join('\n')}\n(Answered by the offline demo model.)`;
}

// Staying within max output tokens, as a real model would ---------------------------------

function fitJson<T>(items: T[], maxTokens: number, wrap: (items: T[]) => unknown): string {
  let n = items.length;
  let text = JSON.stringify(wrap(items));
  while (n > 1 && countTokens(text) > maxTokens) {
    n -= 1;
    text = JSON.stringify(wrap(items.slice(0, n)));
  }
  return countTokens(text) > maxTokens ? fitText(text, maxTokens) : text;
}

/** The report as text (prompts.reportText), with as many gaps as fit. */
function fitReport(report: { summary: string; gaps: string[] }, maxTokens: number): string {
  let n = report.gaps.length;
  let text = reportText(report);
  while (n > 0 && countTokens(text) > maxTokens) {
    n -= 1;
    text = reportText({ summary: report.summary, gaps: report.gaps.slice(0, n) });
  }
  return fitText(text, maxTokens);
}

function fitText(text: string, maxTokens: number): string {
  if (countTokens(text) <= maxTokens) return text;
  const words = text.split(/(\s+)/);
  let out = '';
  for (const w of words) {
    if (countTokens(out + w) > maxTokens) break;
    out += w;
  }
  return out;
}
