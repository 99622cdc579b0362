import { mutationOptions } from '@tanstack/react-query';
import { budgetsContract, type AskForMoreBody } from '@ai-credits/shared/contracts/budgets';
import { apiFetch } from '@/lib/api-client';

/** "Ask for more" on a refusal: the owner and admins get a notification and an email (once per limit per day, the server decides). */
export const askForMoreMutation = () =>
  mutationOptions({
    mutationKey: ['notifications', 'ask-for-more'],
    mutationFn: (body: AskForMoreBody) => apiFetch(budgetsContract.askForMore, { body }),
  });
