import { useMutation } from '@tanstack/react-query';
import { useEffect } from 'react';
import type { AskForMoreBody, AskForMoreResult } from '@ai-credits/shared/contracts/budgets';
import { formatDateTime, timeZoneLabel } from '@/lib/dates';
import { askForMoreMutation } from '../api/ask-for-more';

/** "Olivia Owens (the owner) and 2 admins". */
function recipients(notified: AskForMoreResult['notified']): string {
  const owner = notified.find((n) => n.role === 'owner');
  const admins = notified.filter((n) => n.role === 'admin').length;
  const parts = [...(owner ? [`${owner.name} (the owner)`] : []), ...(admins ? [admins === 1 ? 'an admin' : `${admins} admins`] : [])];
  return parts.join(' and ') || 'the owner';
}

/** What the request did, in the reader's time zone. */
export function askedText(result: AskForMoreResult): string {
  const when = `${formatDateTime(result.sentAt)} ${timeZoneLabel(result.sentAt)}`;
  return result.status === 'sent'
    ? `Request sent to ${recipients(result.notified)} on ${when}. They get a notification and an email.`
    : `You already asked today, on ${when}; ${recipients(result.notified)} got it. You can ask again tomorrow.`;
}

/**
 * A member's (or an admin's) way out of a refusal (issue 24): one click notifies the owner and the
 * admins. The server sends it once per limit per member per day; a repeat says it was sent.
 */
export function useAskForMore(refusal: unknown) {
  const ask = useMutation(askForMoreMutation());
  const { reset } = ask;
  // A new refusal starts over (the server still says if this limit was asked about today).
  useEffect(() => reset(), [refusal, reset]);
  return {
    button: (body: AskForMoreBody) => (
      <button type="button" className="button button-primary" disabled={ask.isPending || ask.isSuccess} onClick={() => ask.mutate(body)}>
        {ask.isSuccess ? 'Asked for more' : ask.isPending ? 'Asking…' : 'Ask for more'}
      </button>
    ),
    outcome: ask.isSuccess ? <p>{askedText(ask.data)}</p> : ask.isError ? <p className="field-error">Could not send the request: {ask.error.message}</p> : null,
  };
}
