import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * Each table has one owner feature (ADR 017): the feature whose `<feature>.tables.ts` declares
 * it is the only one whose code reads or writes it; the others call the owner's service. This
 * test reads every file of bff/src/features/ and finds the tables it touches: the Kysely calls
 * (`selectFrom('x')`, `insertInto`, `updateTable`, `deleteFrom`, the joins) and SQL text in
 * strings and templates (`from x`, `join x`, `into x`, `update x`, `null::x`).
 *
 * EXCEPTIONS lists what does not hold yet, each with its reason. The test fails on a use that
 * is not listed, and on a listed exception that is no longer needed (delete the line then).
 */
// None left (issue 23): the last, 'ledger -> organizations', went with the credit account's move
// to the ledger's own credit_accounts.
const EXCEPTIONS: Record<string, string> = {};

const FEATURES = path.resolve(import.meta.dirname, '../src/features');
const KYSELY_TABLE_METHODS = new Set(['selectFrom', 'insertInto', 'updateTable', 'deleteFrom', 'innerJoin', 'leftJoin', 'rightJoin', 'fullJoin', 'mergeInto']);
const SQL_TABLE = /\b(?:from|join|into|update|using)\s+(\w+)|null::(\w+)/gi;

function filesOf(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? filesOf(path.join(dir, d.name)) : d.name.endsWith('.ts') ? [path.join(dir, d.name)] : []));
}

const parse = (file: string) => ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
const featureOf = (file: string) => path.relative(FEATURES, file).split(path.sep)[0]!;

/** table -> owner feature, from the `interface XTables { table: ... }` of each *.tables.ts. */
function owners(): Map<string, string> {
  const map = new Map<string, string>();
  for (const file of filesOf(FEATURES).filter((f) => f.endsWith('.tables.ts'))) {
    ts.forEachChild(parse(file), (node) => {
      if (!ts.isInterfaceDeclaration(node) || !node.name.text.endsWith('Tables')) return;
      for (const member of node.members) {
        const table = member.name?.getText();
        if (!table) continue;
        if (map.has(table)) throw new Error(`${table} is declared by ${map.get(table)} and ${featureOf(file)}`);
        map.set(table, featureOf(file));
      }
    });
  }
  return map;
}

/** The tables a file touches. */
function tablesUsedBy(file: string, known: Set<string>): Set<string> {
  const used = new Set<string>();
  const visit = (node: ts.Node) => {
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && KYSELY_TABLE_METHODS.has(node.expression.name.text)) {
      for (const arg of node.arguments) {
        for (const el of ts.isArrayLiteralExpression(arg) ? arg.elements : [arg]) {
          if (ts.isStringLiteralLike(el)) {
            const table = el.text.split(/\s+/)[0]!;
            if (known.has(table)) used.add(table);
          }
        }
      }
    }
    if (ts.isStringLiteralLike(node) || ts.isTemplateHead(node) || ts.isTemplateMiddle(node) || ts.isTemplateTail(node)) {
      for (const m of node.text.matchAll(SQL_TABLE)) {
        const table = (m[1] ?? m[2])!;
        if (known.has(table)) used.add(table);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(parse(file));
  return used;
}

function crossings(): Map<string, string[]> {
  const owner = owners();
  const known = new Set(owner.keys());
  const found = new Map<string, string[]>();
  for (const file of filesOf(FEATURES).filter((f) => !f.endsWith('.tables.ts'))) {
    const feature = featureOf(file);
    for (const table of tablesUsedBy(file, known)) {
      if (owner.get(table) === feature) continue;
      const key = `${feature} -> ${table}`;
      found.set(key, [...(found.get(key) ?? []), path.relative(FEATURES, file)]);
    }
  }
  return found;
}

describe('table ownership (ADR 017)', () => {
  it('each table is declared by one feature’s *.tables.ts (owners() throws on a table declared twice)', () => {
    const owner = owners();
    expect(Object.fromEntries(['organizations', 'credit_accounts', 'users', 'projects', 'invitations', 'purchases', 'overage_invoices', 'usage_records', 'reservations', 'budgets', 'notifications', 'email_outbox'].map((t) => [t, owner.get(t)]))).toEqual({
      organizations: 'auth',
      credit_accounts: 'ledger',
      users: 'auth',
      projects: 'org',
      invitations: 'org',
      purchases: 'billing',
      overage_invoices: 'billing',
      usage_records: 'ledger',
      reservations: 'ledger',
      budgets: 'budgets',
      notifications: 'alerts',
      email_outbox: 'email',
    });
  });

  it('the scan sees a use: the ledger writes usage_records (SQL text) and locks credit_accounts (Kysely)', () => {
    const used = tablesUsedBy(path.join(FEATURES, 'ledger/ledger.repository.ts'), new Set(owners().keys()));
    expect(used.has('usage_records')).toBe(true);
    expect(used.has('credit_accounts')).toBe(true);
  });

  it('no feature reads or writes a table it does not own, except the listed ones', () => {
    const unlisted = [...crossings()].filter(([key]) => !(key in EXCEPTIONS)).map(([key, files]) => `${key} (${files.join(', ')})`);
    expect(unlisted, 'go through the owner’s service, or list the exception with its reason').toEqual([]);
  });

  it('every listed exception is still needed (delete the line when a feature stops using the table)', () => {
    const found = crossings();
    expect(Object.keys(EXCEPTIONS).filter((key) => !found.has(key))).toEqual([]);
  });

  it('an owner’s SQL fragments (<feature>.sql.ts, which any feature may import) import nothing but kysely', () => {
    const fragments = filesOf(FEATURES).filter((f) => f.endsWith('.sql.ts'));
    expect(fragments.length).toBeGreaterThan(0);
    const imports = fragments.flatMap((file) =>
      parse(file).statements.flatMap((st) => (ts.isImportDeclaration(st) && ts.isStringLiteral(st.moduleSpecifier) ? [`${path.relative(FEATURES, file)}: ${st.moduleSpecifier.text}`] : [])),
    );
    expect(imports.filter((i) => !i.endsWith(': kysely'))).toEqual([]);
  });
});
