import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** Runs once per `vitest` run, before the integration project. */
export default function setup(): void {
	mkdirSync(join(process.cwd(), 'test', '.tmp'), { recursive: true });
}
