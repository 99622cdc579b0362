import { findModel, MODELS } from '@ai-credits/shared/catalog';
import type { Env } from '../../env';
import { createDemoModel } from './demo-model';
import type { ModelProvider } from './model-provider';
import { createOpenAiProvider } from './openai-provider';

/**
 * The configured provider: an OpenAI-compatible endpoint when AI_BASE_URL is set, the offline
 * demo model otherwise. Refuses to start when the model would be charged at an unknown rate.
 */
export function createModelProvider(env: Pick<Env, 'AI_BASE_URL' | 'AI_API_KEY' | 'AI_MODEL' | 'AI_CATALOG_MODEL' | 'AI_TIMEOUT_MS'>): ModelProvider {
  if (!env.AI_BASE_URL) {
    const demo = MODELS.find((m) => m.demo);
    if (!demo) throw new Error('The model catalog has no demo model');
    return createDemoModel(demo);
  }
  if (!env.AI_MODEL) throw new Error('AI_BASE_URL is set but AI_MODEL is not: name the model to call (e.g. AI_MODEL=gpt-4o-mini)');
  const catalogId = env.AI_CATALOG_MODEL ?? env.AI_MODEL;
  const model = findModel(catalogId);
  if (!model || model.demo) {
    const known = MODELS.filter((m) => !m.demo)
      .map((m) => m.id)
      .join(', ');
    throw new Error(
      `AI model "${catalogId}" is not in the model catalog (shared/src/catalog.ts), so its calls cannot be charged. ` +
        `Set AI_MODEL (or AI_CATALOG_MODEL, the catalog id to charge at when the provider's name differs) to one of: ${known}`,
    );
  }
  return createOpenAiProvider({ baseUrl: env.AI_BASE_URL, apiKey: env.AI_API_KEY, providerModel: env.AI_MODEL, model, timeoutMs: env.AI_TIMEOUT_MS });
}
