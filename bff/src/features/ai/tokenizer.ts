/**
 * The demo model's tokenizer: every run of letters/digits is one token, every other
 * non-space character is one token of its own. Deterministic and documented, so the demo
 * model's token counts (and so its charges) are honest and reproducible. A token is at
 * least one UTF-8 byte, so a text's byte length bounds its count from above — the same
 * bound the reservation uses for real models.
 */
const TOKEN = /[\p{L}\p{N}_]+|[^\s\p{L}\p{N}_]/gu;

export function countTokens(text: string): number {
  let n = 0;
  for (const _ of text.matchAll(TOKEN)) n += 1;
  return n;
}

/** Per-message framing (role markers) the demo model counts, like chat APIs do. */
export const TOKENS_PER_MESSAGE = 4;
/** Priming of the reply. */
export const TOKENS_PER_REPLY = 3;

export function countPromptTokens(messages: readonly { content: string }[]): number {
  return messages.reduce((sum, m) => sum + TOKENS_PER_MESSAGE + countTokens(m.content), TOKENS_PER_REPLY);
}

/**
 * Upper bound of the input tokens of a prompt for ANY tokenizer: its UTF-8 bytes (a token is
 * at least one byte) plus a fixed overhead per message for the chat framing.
 */
export const PROMPT_OVERHEAD_TOKENS = 16;
export const MESSAGE_OVERHEAD_TOKENS = 8;

export function inputTokensUpperBound(messages: readonly { content: string }[]): number {
  const encoder = new TextEncoder();
  return messages.reduce((sum, m) => sum + MESSAGE_OVERHEAD_TOKENS + encoder.encode(m.content).length, PROMPT_OVERHEAD_TOKENS);
}
