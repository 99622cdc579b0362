import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createApp } from './app/create-app';
import './styles.css';

async function enableMocking() {
  if (import.meta.env.MODE !== 'mock') return;
  // Dev only: the whole API answered by MSW in the browser (docs/frontend.md).
  const { startMockWorker } = await import('@ai-credits/shared/testing/browser');
  await startMockWorker();
}

void enableMocking().then(() => {
  const { element } = createApp();
  createRoot(document.getElementById('root')!).render(<StrictMode>{element}</StrictMode>);
});
