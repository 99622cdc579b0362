import { costMc, MODELS } from '@ai-credits/shared/catalog';
import { formatCredits } from '@ai-credits/shared/format';
import { PageHeader } from '@/components/ui/page-header';

/** A typical metered call, for the "what a call costs" column. */
const TYPICAL = { inputTokens: 1_000, outputTokens: 500 };

/**
 * Settings -> Models and rates: the model catalog (shared/src/catalog.ts) the metering API
 * charges by — the catalog its UNKNOWN_MODEL error points to.
 */
export function ModelsPage() {
  return (
    <div className="page">
      <PageHeader
        breadcrumb="Settings"
        title="Models and rates"
        description={
          <>
            What each model costs in credits. Send its id as <code>model</code> to the metering API; any other id is refused with <code>UNKNOWN_MODEL</code>. Each side is rounded up
            to a whole millicredit.
          </>
        }
      />
      <section className="card" aria-labelledby="models-title">
        <h2 id="models-title" className="section-title">
          Model catalog
        </h2>
        <div className="table-scroll" role="group" aria-label="Model catalog" tabIndex={0}>
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Model</th>
                <th scope="col">Id</th>
                <th scope="col">Credits per 1k input tokens</th>
                <th scope="col">Credits per 1k output tokens</th>
                <th scope="col">
                  A typical call ({TYPICAL.inputTokens.toLocaleString('en-US')} in + {TYPICAL.outputTokens.toLocaleString('en-US')} out)
                </th>
              </tr>
            </thead>
            <tbody>
              {MODELS.map((m) => (
                <tr key={m.id}>
                  <td>{m.label}</td>
                  <td>
                    <code>{m.id}</code>
                  </td>
                  <td>{formatCredits(m.inputMcPer1k)}</td>
                  <td>{formatCredits(m.outputMcPer1k)}</td>
                  <td>{formatCredits(Number(costMc(m, TYPICAL.inputTokens, TYPICAL.outputTokens)))} credits</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </div>
  );
}
