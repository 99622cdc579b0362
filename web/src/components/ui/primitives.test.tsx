import { QueryClient, QueryClientProvider, useQuery } from '@tanstack/react-query';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { Field } from './field';
import { PageHeader } from './page-header';
import { QuerySection } from './query-section';

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
