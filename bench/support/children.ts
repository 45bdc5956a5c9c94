import { fileURLToPath } from 'node:url';

/**
 * Node flags for child processes that import the project's TypeScript directly: Node 22's own
 * type transform (it handles parameter properties) plus a resolve hook for `.js` → `.ts`.
 */
export const CHILD_EXEC_ARGV = ['--experimental-transform-types', '--no-warnings', '--import', fileURLToPath(new URL('./ts-loader.mjs', import.meta.url))];
