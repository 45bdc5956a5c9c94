import net from 'node:net';

/**
 * Reachability of the machine's real services. Outside CI a suite whose service is down is
 * skipped with a message saying how to start it; with CI=true the suite runs and fails loudly.
 */
export const IN_CI = process.env.CI === 'true' || process.env.CI === '1';

export const POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

const START_HINTS = {
	postgres: 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
	redis: 'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no',
} as const;

function canConnect(url: string, defaultPort: number): Promise<boolean> {
	const parsed = new URL(url);
	return new Promise((resolve) => {
		const socket = net.connect({ host: parsed.hostname || '127.0.0.1', port: Number(parsed.port || defaultPort) });
		socket.setTimeout(1000);
		socket.once('connect', () => {
			socket.destroy();
			resolve(true);
		});
		socket.once('timeout', () => {
			socket.destroy();
			resolve(false);
		});
		socket.once('error', () => resolve(false));
	});
}

/** True when the machine's PostgreSQL answers (a TCP connect, 1 s at most). */
export function postgresReachable(): Promise<boolean> {
	return canConnect(POSTGRES_URL, 5432);
}

/** True when the suite should be skipped (service down and not in CI). Prints why. */
export async function skipUnless(service: 'postgres' | 'redis'): Promise<boolean> {
	const up = service === 'postgres' ? await canConnect(POSTGRES_URL, 5432) : await canConnect(REDIS_URL, 6379);
	if (up) return false;
	if (IN_CI) return false; // run anyway and fail loudly
	console.warn(`\n[skip] ${service} is not reachable; start it with:\n  ${START_HINTS[service]}\n`);
	return true;
}
