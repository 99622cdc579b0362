import { useQuery } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { Link } from 'react-router';
import type { ApiKey } from '@ai-credits/shared/contracts/api-keys';
import { meteringContract } from '@ai-credits/shared/contracts/metering';
import { orgQueries } from '@/api/org-queries';
import { CopyButton } from '@/components/ui/copy-button';
import { Field } from '@/components/ui/field';

/** The curl and TypeScript to meter a first call, with this org's address, a project and the chosen key. */
export function Quickstart({ keys }: { keys: ApiKey[] }) {
  const projects = useQuery(orgQueries.projects());
  const [keyId, setKeyId] = useState<string | null>(null);
  const selectId = useId();
  const key = keys.find((k) => k.id === keyId) ?? keys[0];
  const project = projects.data?.projects.find((p) => p.archivedAt === null);
  const baseUrl = globalThis.location?.origin ?? 'http://localhost:3000';
  const url = `${baseUrl}${meteringContract.record.path}`;
  const body = { useCase: 'chat', model: 'gpt-4o-mini', ...(project ? { projectId: project.id } : {}), inputTokens: 1200, outputTokens: 350 };
  const keyNote = key ? `# AI_CREDITS_KEY: the key "${key.name}" (${key.prefix}), as shown once when it was created` : '# AI_CREDITS_KEY: an API key of this organization';
  const curl = [
    keyNote,
    `curl -X POST '${url}' \\`,
    `  -H "Authorization: Bearer $AI_CREDITS_KEY" \\`,
    `  -H "Idempotency-Key: $(openssl rand -hex 16)" \\`,
    `  -H 'Content-Type: application/json' \\`,
    `  -d '${JSON.stringify(body)}'`,
  ].join('\n');
  const typescript = [
    keyNote.replace('#', '//'),
    `const res = await fetch('${url}', {`,
    `  method: 'POST',`,
    `  headers: {`,
    `    authorization: \`Bearer \${process.env.AI_CREDITS_KEY}\`,`,
    `    // One key per call: a retry with the same key is charged once.`,
    `    'idempotency-key': crypto.randomUUID(),`,
    `    'content-type': 'application/json',`,
    `  },`,
    `  body: JSON.stringify(${JSON.stringify(body)}),`,
    `});`,
    `if (!res.ok) throw new Error((await res.json()).error.message);`,
    `const { usage, balance } = await res.json();`,
  ].join('\n');

  return (
    <section className="card" aria-labelledby="quickstart-title">
      <h2 id="quickstart-title" className="section-title">
        Quickstart
      </h2>
      <p className="muted">
        Meter a finished model call in one request. For long calls reserve first and settle after (<code>/api/v1/metering/reserve</code>, <code>settle</code>, <code>release</code>);
        model ids and rates: <Link to="/settings/models">Models and rates</Link>.
        {project ? (
          <>
            {' '}
            Attributed to the project <strong>{project.name}</strong>.
          </>
        ) : null}
      </p>
      {keys.length > 1 ? (
        <Field id={selectId} label="Key">
          {(control) => (
            <select {...control} value={key?.id ?? ''} onChange={(e) => setKeyId(e.target.value)}>
              {keys.map((k) => (
                <option key={k.id} value={k.id}>
                  {k.name} ({k.prefix})
                </option>
              ))}
            </select>
          )}
        </Field>
      ) : null}
      <Snippet title="curl" code={curl} />
      <Snippet title="TypeScript (Node 18+, fetch)" code={typescript} />
    </section>
  );
}

function Snippet({ title, code }: { title: string; code: string }) {
  const id = useId();
  return (
    <figure aria-labelledby={id} style={{ margin: 0 }}>
      <div className="code-block-header">
        <figcaption id={id}>
          <strong>{title}</strong>
        </figcaption>
        <CopyButton value={code} label={`Copy the ${title} example`} />
      </div>
      {/* Scrolls sideways: reachable by keyboard (axe scrollable-region-focusable). */}
      <pre className="code-block" tabIndex={0} role="group" aria-labelledby={id}>
        <code>{code}</code>
      </pre>
    </figure>
  );
}
