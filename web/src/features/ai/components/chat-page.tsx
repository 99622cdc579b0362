import { useMutation, useQuery } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { CHAT_MESSAGE_MAX_CHARS, type ChatMessage } from '@ai-credits/shared/contracts/ai';
import { EmptyState } from '@/components/ui/states';
import { PageHeader } from '@/components/ui/page-header';
import { Field } from '@/components/ui/field';
import { QuerySection } from '@/components/ui/query-section';
import { aiMutations, aiQueries, newIdempotencyKey } from '../api/ai-queries';
import { AiErrorBanner, AiOffNote, ArchivedProjectNote, CostEstimate, ProjectPicker, RunSummary, useAiEnabled, useProjectChoice } from './ai-common';
import { isStopped, StreamMeter, useStopper } from './ai-stream-ui';

/** AI -> Chat: the testing assistant; conversations are per user and project and stay readable. */
export function ChatPage() {
  const choice = useProjectChoice();
  const { projectId } = choice;
  // conversationId null = a new conversation. `view` changes only when the user picks one, so the
  // conversation they just started stays on screen (with what it cost) when it gets its id.
  const [selected, setSelected] = useState<{ projectId: string; conversationId: string | null; view: number }>({ projectId: '', conversationId: null, view: 0 });
  const current = selected.projectId === projectId ? selected : { projectId, conversationId: null, view: selected.view };
  const conversationId = current.conversationId;
  const { aiEnabled } = useAiEnabled();

  return (
    <div className="page">
      <PageHeader
        breadcrumb="AI features"
        title="AI chat"
        description={
          aiEnabled
            ? 'Ask the testing assistant about test design, test data, bug reports and coverage. Each answer spends credits.'
            : 'Earlier conversations with the testing assistant, read-only while AI is off.'
        }
      />
      {aiEnabled ? null : <AiOffNote what="Conversations" />}
      <ProjectPicker choice={choice} />
      {aiEnabled && choice.archived ? <ArchivedProjectNote /> : null}
      {projectId ? (
        <div className="ai-chat">
          <ConversationList
            projectId={projectId}
            selectedId={conversationId}
            onSelect={(id) => setSelected({ projectId, conversationId: id, view: current.view + 1 })}
            aiEnabled={aiEnabled && !choice.archived}
          />
          <Conversation
            key={`${projectId}:${current.view}`}
            projectId={projectId}
            conversationId={conversationId}
            onStarted={(id) => setSelected({ projectId, conversationId: id, view: current.view })}
            aiEnabled={aiEnabled && !choice.archived}
          />
        </div>
      ) : null}
    </div>
  );
}

function ConversationList({
  projectId,
  selectedId,
  onSelect,
  aiEnabled,
}: {
  projectId: string;
  selectedId: string | null;
  onSelect: (id: string | null) => void;
  aiEnabled: boolean;
}) {
  const list = useQuery(aiQueries.conversations(projectId));
  return (
    <nav className="card" aria-label="Conversations">
      {aiEnabled ? (
        <button type="button" className="button button-secondary button-block" onClick={() => onSelect(null)} aria-pressed={selectedId === null}>
          New conversation
        </button>
      ) : null}
      <QuerySection query={list} loadingLabel="Loading conversations" loadingHeight={48} errorTitle="Could not load conversations">
        {({ conversations }) =>
          !aiEnabled && conversations.length === 0 ? (
            <p className="muted">No saved conversations in this project.</p>
          ) : (
            <ul className="ai-chat-list">
              {conversations.map((c) => (
                <li key={c.id}>
                  <button type="button" className="button button-ghost" aria-pressed={c.id === selectedId} onClick={() => onSelect(c.id)}>
                    {c.title}
                  </button>
                </li>
              ))}
            </ul>
          )
        }
      </QuerySection>
    </nav>
  );
}

/** The answer being written: the user's message, the text so far and the run's meter. */
interface Live {
  message: string;
  text: string;
  holdMc: number | null;
  chargedMc: number;
  outputTokens: number;
}

function Conversation({
  projectId,
  conversationId,
  onStarted,
  aiEnabled,
}: {
  projectId: string;
  conversationId: string | null;
  onStarted: (id: string) => void;
  aiEnabled: boolean;
}) {
  const history = useQuery({ ...aiQueries.conversation(conversationId ?? ''), enabled: conversationId !== null });
  const send = useMutation(aiMutations.chat());
  const [message, setMessage] = useState('');
  const [live, setLive] = useState<Live | null>(null);
  const [stoppedEarly, setStoppedEarly] = useState(false);
  const stopper = useStopper();
  const inputId = useId();
  const text = message.trim();

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (!text || send.isPending) return;
    const signal = stopper.start();
    setStoppedEarly(false);
    setLive({ message: text, text: '', holdMc: null, chargedMc: 0, outputTokens: 0 });
    // The message moves into the conversation at once; it comes back to the box if nothing was kept.
    setMessage('');
    send.mutate(
      {
        projectId,
        conversationId,
        message: text,
        idempotencyKey: newIdempotencyKey(),
        signal,
        handlers: {
          onStart: (start) => setLive((l) => (l ? { ...l, holdMc: start.holdMc } : l)),
          onDelta: (delta) => setLive((l) => (l ? { ...l, text: l.text + delta.text, chargedMc: delta.chargedMc, outputTokens: delta.outputTokens } : l)),
        },
      },
      {
        onSuccess: (data) => {
          if (!conversationId) onStarted(data.conversation.id);
        },
        onError: (error) => {
          // Refused, failed, or stopped before any text arrived: nothing was charged; the message is back in the box.
          if (isStopped(error)) setStoppedEarly(true);
          setMessage((current) => current || text);
        },
        onSettled: () => {
          setLive(null);
          stopper.done();
        },
      },
    );
  };

  const saved: ChatMessage[] = history.data?.messages ?? (send.data ? [send.data.userMessage, send.data.reply] : []);
  // The exchange just finished may not be in the refetched history yet: show it until it is.
  const messages = send.data && !saved.some((m) => m.id === send.data.reply.id) ? [...saved, send.data.userMessage, send.data.reply] : saved;
  const aborted = isStopped(send.error);
  return (
    <section className="card" aria-label="Conversation">
      {/* The saved history's states; its messages join this view's exchange and the live answer in the list below,
          which stays mounted while a conversation just started gets its id and its history loads. */}
      {conversationId ? (
        <QuerySection query={history} loadingLabel="Loading messages" errorTitle="Could not load the conversation">
          {() => (messages.length === 0 && !live ? <EmptyState title="No messages yet" /> : null)}
        </QuerySection>
      ) : messages.length === 0 && !live ? (
        <p className="muted">{aiEnabled ? 'Start a new conversation about this project.' : 'Pick a saved conversation to read it.'}</p>
      ) : null}
      <ol className="ai-messages" aria-label="Messages">
        {messages.map((m) => (
          <li key={m.id} className={`ai-message ai-message-${m.role}`}>
            <span className="sr-only">{m.role === 'user' ? 'You: ' : 'Assistant: '}</span>
            {m.content}
            {m.stopped ? <span className="ai-message-stopped"> (stopped)</span> : null}
          </li>
        ))}
        {live ? (
          <>
            <li className="ai-message ai-message-user">
              <span className="sr-only">You: </span>
              {live.message}
            </li>
            {/* Not a live region: screen readers get the finished answer once (below), not every word. */}
            <li className="ai-message ai-message-assistant" aria-busy="true">
              <span className="sr-only">Assistant (writing): </span>
              {live.text || <span className="muted">The assistant is thinking…</span>}
            </li>
          </>
        ) : null}
      </ol>
      <p className="sr-only" role="status">
        {send.data ? `Assistant${send.data.reply.stopped ? ' (stopped)' : ''}: ${send.data.reply.content}` : ''}
      </p>
      {live ? <StreamMeter label="Credits for this answer" chargedMc={live.chargedMc} holdMc={live.holdMc} onStop={stopper.stop} /> : null}
      {send.data ? <RunSummary run={send.data.run} /> : null}
      {send.data?.reply.stopped ? <p className="muted">The answer was stopped; you were charged for what was written.</p> : null}
      {aborted && stoppedEarly ? <p className="muted">Stopped before the answer started; nothing was charged.</p> : null}
      {aborted ? null : <AiErrorBanner error={send.error} />}
      {aiEnabled ? (
        <form className="form" onSubmit={onSubmit} noValidate>
          <Field id={inputId} label="Your message" hint="Enter sends; Shift+Enter starts a new line.">
            {(control) => (
              <textarea
                {...control}
                className="ai-textarea"
                value={message}
                maxLength={CHAT_MESSAGE_MAX_CHARS}
                onChange={(e) => setMessage(e.target.value)}
                onKeyDown={(e) => {
                  // Enter sends (as in every chat); Shift+Enter adds a line; not while an IME composes.
                  if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
                    e.preventDefault();
                    e.currentTarget.form?.requestSubmit();
                  }
                }}
              />
            )}
          </Field>
          <CostEstimate body={text ? { useCase: 'chat', projectId, conversationId, message: text } : null} />
          <div>
            <button type="submit" className="button button-primary" disabled={!text || send.isPending}>
              {send.isPending ? 'Answering…' : 'Send'}
            </button>
          </div>
        </form>
      ) : null}
    </section>
  );
}
