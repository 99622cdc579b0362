import { QueryClient, QueryClientProvider, useQuery } from '@tanstack/react-query';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { Field, FieldNote, FormError } from './field';
import { PageHeader } from './page-header';
import { QueriesSection, QuerySection } from './query-section';

describe('Field', () => {
  it('labels its control and describes it by the hint', () => {
    render(
      <Field id="f-name" label="Name" hint="Up to 100 characters">
        {(control) => <input {...control} />}
      </Field>,
    );
    const input = screen.getByRole('textbox', { name: 'Name' });
    expect(input).toHaveAccessibleDescription('Up to 100 characters');
    expect(input).not.toHaveAttribute('aria-invalid');
  });

  it('shows the error instead of the hint, marks the control invalid and can announce it', () => {
    render(
      <Field id="f-email" label="Email" hint="We never share it" error="Enter a valid email address" errorAlert>
        {(control) => <input {...control} />}
      </Field>,
    );
    const input = screen.getByRole('textbox', { name: 'Email' });
    expect(input).toHaveAttribute('aria-invalid', 'true');
    expect(input).toHaveAccessibleDescription('Enter a valid email address');
    expect(screen.getByRole('alert')).toHaveTextContent('Enter a valid email address');
    expect(screen.queryByText('We never share it')).toBeNull();
  });

  it('describes nothing when there is neither error nor hint', () => {
    render(<Field label="Role" id="f-role">{(control) => <select {...control} />}</Field>);
    const select = screen.getByRole('combobox', { name: 'Role' });
    expect(select).not.toHaveAttribute('aria-describedby');
    expect(select).toHaveAccessibleDescription('');
  });
});

describe('FormError', () => {
  it("announces a form's own error (not a field's) at once, boxed; inline in a row's note style", () => {
    const { rerender } = render(<FormError>A project with this name already exists</FormError>);
    expect(screen.getByRole('alert')).toHaveTextContent('A project with this name already exists');
    expect(screen.getByRole('alert')).toHaveClass('form-error');
    rerender(<FormError inline>Only the owner can remove members</FormError>);
    expect(screen.getByRole('alert')).toHaveClass('field-error');
    expect(screen.getByRole('alert')).not.toHaveClass('form-error');
  });

  it('renders nothing without a message, so a form can pass its mutation error as it is', () => {
    const { container } = render(
      <>
        <FormError>{undefined}</FormError>
        <FormError>{''}</FormError>
        <FormError inline>{null}</FormError>
      </>,
    );
    expect(screen.queryByRole('alert')).toBeNull();
    expect(container).toBeEmptyDOMElement();
  });
});

describe('Field with its note apart', () => {
  it('hides the label visually, and is described by a note the caller places after other controls', () => {
    const { container } = render(
      <form>
        <Field id="f-budget" label="Budget for Asha" labelClassName="sr-only" error="at least 1 credit" noteId="f-budget-note">
          {(control) => <input {...control} />}
        </Field>
        <button type="submit">Save</button>
        <FieldNote id="f-budget-note" error="at least 1 credit" errorAlert />
      </form>,
    );
    const input = screen.getByRole('textbox', { name: 'Budget for Asha' });
    expect(screen.getByText('Budget for Asha')).toHaveClass('sr-only');
    expect(input).toHaveAttribute('aria-invalid', 'true');
    expect(input).toHaveAccessibleDescription('at least 1 credit');
    // One note, after the button, not under the input.
    expect(container.querySelectorAll('.field-error')).toHaveLength(1);
    expect(screen.getByRole('alert').previousElementSibling).toBe(screen.getByRole('button', { name: 'Save' }));
  });

  it('lets two inputs share one hint, each invalid only for its own error', () => {
    render(
      <>
        <Field id="f-a" label="A" hint="Whole percentages" error="A: up to 100 %" noteId="shared-hint">
          {(control) => <input {...control} />}
        </Field>
        <Field id="f-b" label="B" hint="Whole percentages" noteId="shared-hint">
          {(control) => <input {...control} />}
        </Field>
        <FieldNote id="shared-hint" hint="Whole percentages" />
      </>,
    );
    expect(screen.getByRole('textbox', { name: 'A' })).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByRole('textbox', { name: 'B' })).not.toHaveAttribute('aria-invalid');
    expect(screen.getByRole('textbox', { name: 'B' })).toHaveAccessibleDescription('Whole percentages');
    expect(screen.getAllByText('Whole percentages')).toHaveLength(1);
  });

  it('describes nothing when it has neither error nor hint', () => {
    render(
      <Field id="f-c" label="C" noteId="f-c-note">
        {(control) => <input {...control} />}
      </Field>,
    );
    expect(screen.getByRole('textbox', { name: 'C' })).not.toHaveAttribute('aria-describedby');
  });
});

describe('PageHeader', () => {
  it('renders the breadcrumb, the one h1, the description and the actions', () => {
    render(<PageHeader breadcrumb="Settings" title="Members" titleId="members-h1" description="Everyone in Acme." actions={<button type="button">Invite</button>} />);
    const h1 = screen.getByRole('heading', { level: 1, name: 'Members' });
    expect(h1).toHaveAttribute('id', 'members-h1');
    expect(screen.getByText('Settings')).toHaveClass('breadcrumb');
    expect(screen.getByText('Everyone in Acme.')).toHaveClass('page-description');
    expect(screen.getByRole('button', { name: 'Invite' }).parentElement).toHaveClass('page-actions');
  });

  it('leaves out the actions wrapper when there are none', () => {
    const { container } = render(<PageHeader breadcrumb="Settings" title="Audit log" description="Who changed what." />);
    expect(container.querySelector('.page-actions')).toBeNull();
    expect(container.firstElementChild?.tagName).toBe('HEADER');
  });

  it('can be a plain div', () => {
    const { container } = render(<PageHeader as="div" breadcrumb="Settings" title="AI Credits" description="Your credits." />);
    expect(container.firstElementChild?.tagName).toBe('DIV');
    expect(container.firstElementChild).toHaveClass('page-header');
  });
});

function Probe({ fn }: { fn: () => Promise<{ names: string[] }> }) {
  const query = useQuery({ queryKey: ['probe'], queryFn: fn, retry: false });
  return (
    <QuerySection query={query} loadingLabel="Loading names" errorTitle="Couldn't load names">
      {(data) => (
        <>
          <ul>
            {data.names.map((n) => (
              <li key={n}>{n}</li>
            ))}
          </ul>
          <input aria-label="Note" />
        </>
      )}
    </QuerySection>
  );
}

function renderProbe(fn: () => Promise<{ names: string[] }>, client = new QueryClient({ defaultOptions: { queries: { retry: false } } })) {
  return render(
    <QueryClientProvider client={client}>
      <Probe fn={fn} />
    </QueryClientProvider>,
  );
}

describe('QuerySection', () => {
  it('shows a labelled skeleton while pending, then the data', async () => {
    let resolve: (v: { names: string[] }) => void = () => undefined;
    renderProbe(() => new Promise((r) => (resolve = r)));
    expect(screen.getByRole('status')).toHaveTextContent('Loading names');
    resolve({ names: ['Asha', 'Ravi'] });
    expect(await screen.findByText('Ravi')).toBeInTheDocument();
    expect(screen.queryByRole('status')).toBeNull();
  });

  it('shows the error with its message and retries on "Try again"', async () => {
    let calls = 0;
    renderProbe(async () => {
      calls += 1;
      if (calls === 1) throw new Error('The server is down.');
      return { names: ['Asha'] };
    });
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent("Couldn't load names");
    expect(alert).toHaveTextContent('The server is down.');
    await userEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByText('Asha')).toBeInTheDocument();
    expect(calls).toBe(2);
  });

  it('keeps showing the data it has, without remounting it, under the error when a refetch fails', async () => {
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    let calls = 0;
    renderProbe(async () => {
      calls += 1;
      if (calls === 2) throw new Error('The server is down.');
      return { names: ['Asha'] };
    }, client);
    expect(await screen.findByText('Asha')).toBeInTheDocument();
    await userEvent.type(screen.getByRole('textbox', { name: 'Note' }), 'half-typed');
    await client.refetchQueries({ queryKey: ['probe'] });
    expect(await screen.findByRole('alert')).toHaveTextContent('The server is down.');
    expect(screen.getByText('Asha')).toBeInTheDocument();
    expect(screen.getByRole('textbox', { name: 'Note' })).toHaveValue('half-typed');
  });
});

describe('QuerySection options', () => {
  function Shaped({ fn }: { fn: () => Promise<string> }) {
    const query = useQuery({ queryKey: ['shaped'], queryFn: fn, retry: false });
    return (
      <QuerySection
        query={query}
        loading={<p role="status">Two cards loading</p>}
        errorTitle="Couldn't load"
        errorMessage={(e) => (e.message === '404' ? 'There is no such thing here.' : e.message)}
      >
        {(text) => <p>{text}</p>}
      </QuerySection>
    );
  }
  const client = () => new QueryClient({ defaultOptions: { queries: { retry: false } } });

  it('shows a placeholder of the data\'s own shape while pending', async () => {
    let resolve: (v: string) => void = () => undefined;
    render(
      <QueryClientProvider client={client()}>
        <Shaped fn={() => new Promise((r) => (resolve = r))} />
      </QueryClientProvider>,
    );
    expect(screen.getByRole('status')).toHaveTextContent('Two cards loading');
    resolve('Loaded');
    expect(await screen.findByText('Loaded')).toBeInTheDocument();
  });

  it('words the error for the reader when told how', async () => {
    render(
      <QueryClientProvider client={client()}>
        <Shaped fn={() => Promise.reject(new Error('404'))} />
      </QueryClientProvider>,
    );
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('There is no such thing here.');
    expect(alert).not.toHaveTextContent('404');
  });
});

describe('QueriesSection', () => {
  function Two({ a, b }: { a: () => Promise<string>; b: () => Promise<number> }) {
    const qa = useQuery({ queryKey: ['a'], queryFn: a, retry: false });
    const qb = useQuery({ queryKey: ['b'], queryFn: b, retry: false });
    return (
      <QueriesSection
        queries={[
          { query: qa, errorTitle: "Couldn't load names" },
          { query: qb, errorTitle: "Couldn't load counts" },
        ]}
        loadingLabel="Loading both"
      >
        {(name, count) => <p>{`${name} has ${count.toFixed(0)}`}</p>}
      </QueriesSection>
    );
  }
  const renderTwo = (a: () => Promise<string>, b: () => Promise<number>) =>
    render(
      <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
        <Two a={a} b={b} />
      </QueryClientProvider>,
    );

  it('shows the skeleton until every query has its data, then both data', async () => {
    let resolveB: (v: number) => void = () => undefined;
    renderTwo(async () => 'Asha', () => new Promise((r) => (resolveB = r)));
    await new Promise((r) => setTimeout(r, 10));
    expect(screen.getByRole('status')).toHaveTextContent('Loading both');
    resolveB(3);
    expect(await screen.findByText('Asha has 3')).toBeInTheDocument();
    expect(screen.queryByRole('status')).toBeNull();
  });

  it("shows the failed query's own error and retries only it", async () => {
    let aCalls = 0;
    let bCalls = 0;
    renderTwo(
      async () => {
        aCalls += 1;
        return 'Asha';
      },
      async () => {
        bCalls += 1;
        if (bCalls === 1) throw new Error('The server is down.');
        return 3;
      },
    );
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent("Couldn't load counts");
    expect(screen.queryByText("Couldn't load names")).toBeNull();
    expect(screen.queryByText(/has/)).toBeNull();
    await userEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByText('Asha has 3')).toBeInTheDocument();
    expect([aCalls, bCalls]).toEqual([1, 2]);
  });
});
