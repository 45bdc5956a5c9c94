import type { Container } from '../container.js';

/** Runs a CLI action with the container; failures print one line and exit 1. */
export function command(getContainer: () => Promise<Container>, fn: (container: Container, ...args: unknown[]) => Promise<void>): (...args: unknown[]) => Promise<void> {
	return async (...args) => {
		let container: Container | null = null;
		let code = 0;
		try {
			container = await getContainer();
			await fn(container, ...args);
		} catch (error) {
			process.stderr.write(`\n[ml] error: ${error instanceof Error ? error.message : String(error)}\n`);
			code = 1;
		}
		await container?.close().catch(() => undefined);
		process.exit(code);
	};
}
