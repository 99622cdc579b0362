import { MODELS, USE_CASES, USE_CASE_LABELS } from '@ai-credits/shared/catalog';
import type { UsageFilters } from '@ai-credits/shared/contracts/credits';
import type { FilterKey } from '../api/usage-search';

export interface FilterOption {
  id: string;
  name: string;
}

interface UsageFiltersProps {
  filters: UsageFilters;
  users: FilterOption[] | undefined;
  projects: FilterOption[] | undefined;
  onChange: (key: FilterKey, value: string) => void;
  onClear: () => void;
}

/** Filter controls of the usage history; the values live in the URL search params. */
export function UsageFiltersBar({ filters, users, projects, onChange, onClear }: UsageFiltersProps) {
  const active = Object.values(filters).some(Boolean);
  return (
    <fieldset className="filters">
      <legend className="sr-only">Filter usage history</legend>
      <div className="field field-compact">
        <label htmlFor="filter-from">From</label>
        <input id="filter-from" type="date" value={filters.from ?? ''} max={filters.to} onChange={(e) => onChange('from', e.target.value)} />
      </div>
      <div className="field field-compact">
        <label htmlFor="filter-to">To</label>
        <input id="filter-to" type="date" value={filters.to ?? ''} min={filters.from} onChange={(e) => onChange('to', e.target.value)} />
      </div>
      <div className="field field-compact">
        <label htmlFor="filter-use-case">Use case</label>
        <select id="filter-use-case" value={filters.useCase ?? ''} onChange={(e) => onChange('useCase', e.target.value)}>
          <option value="">All use cases</option>
          {USE_CASES.map((u) => (
            <option key={u} value={u}>
              {USE_CASE_LABELS[u]}
            </option>
          ))}
        </select>
      </div>
      <div className="field field-compact">
        <label htmlFor="filter-user">User</label>
        <select id="filter-user" value={filters.userId ?? ''} onChange={(e) => onChange('userId', e.target.value)}>
          <option value="">All users</option>
          {users?.map((u) => (
            <option key={u.id} value={u.id}>
              {u.name}
            </option>
          ))}
        </select>
      </div>
      <div className="field field-compact">
        <label htmlFor="filter-project">Project</label>
        <select id="filter-project" value={filters.projectId ?? ''} onChange={(e) => onChange('projectId', e.target.value)}>
          <option value="">All projects</option>
          {projects?.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </select>
      </div>
      <div className="field field-compact">
        <label htmlFor="filter-model">Model</label>
        <select id="filter-model" value={filters.model ?? ''} onChange={(e) => onChange('model', e.target.value)}>
          <option value="">All models</option>
          {MODELS.map((m) => (
            <option key={m.id} value={m.id}>
              {m.label}
            </option>
          ))}
        </select>
      </div>
      <div className="filters-actions">
        <button type="button" className="button button-ghost" onClick={onClear} disabled={!active}>
          Clear filters
        </button>
      </div>
    </fieldset>
  );
}
