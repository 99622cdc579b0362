import { useState } from 'react';
import { MODELS, USE_CASES, USE_CASE_LABELS } from '@ai-credits/shared/catalog';
import { Field } from '@/components/ui/field';
import { PERIODS, type FilterKey, type PageFilters } from '../api/usage-search';

/** From/To as typed, while they form a reversed range (applied to nothing). */
export interface DateDraft {
  from?: string | undefined;
  to?: string | undefined;
}

export interface FilterOption {
  id: string;
  name: string;
}

interface UsageFiltersProps {
  filters: PageFilters;
  users: FilterOption[] | undefined;
  projects: FilterOption[] | undefined;
  apiKeys: FilterOption[] | undefined;
  onChange: (key: FilterKey, value: string) => void;
  /** Applies a date; a reversed range applies neither date and comes back to be shown until fixed. */
  onDateChange: (key: 'from' | 'to', value: string, pending: DateDraft | null) => DateDraft | null;
  onClear: () => void;
}

/** The page's filters (charts and history); the values live in the URL search params. */
export function UsageFiltersBar({ filters, users, projects, apiKeys, onChange, onDateChange, onClear }: UsageFiltersProps) {
  const active = Object.entries(filters).some(([k, v]) => (k === 'period' ? v !== 'current' : Boolean(v)));
  // A reversed range stays in its fields with a message and filters nothing until it is fixed
  // (the contract's own rule, so the server is never asked a question it refuses).
  const [draft, setDraft] = useState<{ key: 'from' | 'to'; dates: DateDraft } | null>(null);
  const changeDate = (key: 'from' | 'to', value: string) => {
    const rejected = onDateChange(key, value, draft?.dates ?? null);
    setDraft(rejected ? { key, dates: rejected } : null);
  };
  const dateError = draft ? (draft.key === 'from' ? 'From must be on or before To: no dates apply until then.' : 'To must be on or after From: no dates apply until then.') : null;
  const dateField = (key: 'from' | 'to', label: string) => (
    <Field id={`filter-${key}`} label={label} className="field-compact" error={draft?.key === key ? dateError : undefined} errorAlert>
      {(control) => (
        <input
          {...control}
          type="date"
          value={draft ? (draft.dates[key] ?? '') : (filters[key] ?? '')}
          max={key === 'from' && !draft ? filters.to : undefined}
          min={key === 'to' && !draft ? filters.from : undefined}
          onChange={(e) => changeDate(key, e.target.value)}
        />
      )}
    </Field>
  );
  return (
    <fieldset className="filters">
      <legend className="sr-only">Filter usage charts and history</legend>
      <Field id="filter-period" label="Period" className="field-compact">
        {(control) => (
          <select
            {...control}
            value={filters.period}
            onChange={(e) => {
              setDraft(null);
              onChange('period', e.target.value);
            }}
          >
            {PERIODS.map((p) => (
              <option key={p.id} value={p.id}>
                {p.label}
              </option>
            ))}
            {filters.period === 'custom' ? <option value="custom">Dates below</option> : null}
          </select>
        )}
      </Field>
      {dateField('from', 'From')}
      {dateField('to', 'To')}
      <Field id="filter-use-case" label="Use case" className="field-compact">
        {(control) => (
          <select {...control} value={filters.useCase ?? ''} onChange={(e) => onChange('useCase', e.target.value)}>
              <option value="">All use cases</option>
              {USE_CASES.map((u) => (
                <option key={u} value={u}>
                  {USE_CASE_LABELS[u]}
                </option>
              ))}
          </select>
        )}
      </Field>
      <Field id="filter-user" label="User" className="field-compact">
        {(control) => (
          <select {...control} value={filters.userId ?? ''} onChange={(e) => onChange('userId', e.target.value)}>
              <option value="">All users</option>
              {users?.map((u) => (
                <option key={u.id} value={u.id}>
                  {u.name}
                </option>
              ))}
          </select>
        )}
      </Field>
      <Field id="filter-project" label="Project" className="field-compact">
        {(control) => (
          <select {...control} value={filters.projectId ?? ''} onChange={(e) => onChange('projectId', e.target.value)}>
              <option value="">All projects</option>
              {projects?.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
          </select>
        )}
      </Field>
      <Field id="filter-api-key" label="API key" className="field-compact">
        {(control) => (
          <select {...control} value={filters.apiKeyId ?? ''} onChange={(e) => onChange('apiKeyId', e.target.value)}>
              <option value="">All API keys</option>
              {apiKeys?.map((k) => (
                <option key={k.id} value={k.id}>
                  {k.name}
                </option>
              ))}
          </select>
        )}
      </Field>
      <Field id="filter-model" label="Model" className="field-compact">
        {(control) => (
          <select {...control} value={filters.model ?? ''} onChange={(e) => onChange('model', e.target.value)}>
              <option value="">All models</option>
              {MODELS.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.label}
                </option>
              ))}
          </select>
        )}
      </Field>
      <div className="filters-actions">
        <button
          type="button"
          className="button button-ghost"
          onClick={() => {
            setDraft(null);
            onClear();
          }}
          disabled={!active && !draft}
        >
          Clear filters
        </button>
      </div>
    </fieldset>
  );
}
