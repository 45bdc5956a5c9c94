/**
 * Directus core's own Redis client (used when Directus's `REDIS` is set: its bus, locks,
 * permission cache and buffered counters) is an ioredis client with the default
 * `maxRetriesPerRequest` (20). About 10 s into a Redis outage every pending command rejects with
 * `MaxRetriesPerRequestError`, and some of those promises are never awaited by Directus core, so
 * Node ends the process on the unhandled rejection. Directus itself exits that way (plain
 * Directus 12.4 too); a queue worker, which is a Directus CLI process with the same env, need
 * not: its queue connection reconnects on its own, and Directus's client resumes (resubscribing
 * its bus) once Redis is back.
 */

/** True for the rejections ioredis produces while its server is unreachable. */
export function isRedisOutageError(reason: unknown): boolean {
	if (!(reason instanceof Error)) return false;
	if (reason.name === 'MaxRetriesPerRequestError') return true;
	return /^(Connection is closed\.?|Stream isn't writeable and enableOfflineQueue options is false)$/.test(reason.message);
}

interface ProcessLike {
	on(event: 'unhandledRejection', listener: (reason: unknown) => void): unknown;
}

/**
 * Keeps the process alive through unhandled Redis-outage rejections (logged once per outage
 * burst); any other unhandled rejection still ends the process as Node does by default.
 */
export function containRedisOutages(proc: ProcessLike, log: (message: string) => void, now: () => number = Date.now): void {
	let lastLogged = -Infinity;
	let suppressed = 0;
	proc.on('unhandledRejection', (reason) => {
		if (!isRedisOutageError(reason)) throw reason;
		suppressed++;
		if (now() - lastLogged < 60_000) return;
		lastLogged = now();
		log(
			`[ml-suite] worker: Directus's Redis client gave up a command while Redis is unreachable (${(reason as Error).name}: ${(reason as Error).message}; ${suppressed} so far). The worker keeps running and resumes when Redis is back.`,
		);
	});
}
