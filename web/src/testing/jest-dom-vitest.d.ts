import 'vitest';
import type { TestingLibraryMatchers } from '@testing-library/jest-dom/matchers';

// jest-dom 7.0.1's own `@testing-library/jest-dom/vitest` types augment Vitest 4's `Assertion<T>`;
// Vitest 5 changed it to `Assertion<R, T>` and reads custom matchers from `Matchers<R, T>`, so
// those types no longer merge (`expect.poll(...).toBeChecked()` types as void; testing-library/
// jest-dom#738). Declared here instead; drop this file when jest-dom ships Vitest 5 types.
declare module 'vitest' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unused-vars -- declaration merging
  interface Matchers<R extends void | Promise<void> = void | Promise<void>, T = unknown> extends TestingLibraryMatchers<unknown, R> {}
}
