import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';

/**
 * CPU time a process has used so far, in milliseconds (Linux /proc). Summed from every thread's
 * `schedstat` (nanoseconds of run time: a series of a few hundred requests is measured to the
 * microsecond, not in `/proc/<pid>/stat`'s 10 ms ticks); `stat`'s user + system ticks where
 * `schedstat` is missing. Threads that exited between two readings drop out of the sum (Node's
 * threads — main, libuv pool, V8 platform workers — live as long as the process).
 */
export function processCpuMs(pid: number): number {
	try {
		let ns = 0;
		for (const task of readdirSync(`/proc/${pid}/task`)) {
			try {
				ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
			} catch {
				// The thread ended between the listing and the read.
			}
		}
		return ns / 1e6;
	} catch {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		// Fields after the command name (which may contain spaces) start after the last ')'.
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		const ticks = Number(fields[11]) + Number(fields[12]);
		return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
	}
}

export interface LoadRequest {
	method: 'GET' | 'POST';
	path: string;
	headers?: Record<string, string>;
	/** Body of the i-th request (e.g. a new text each call). */
	body?: (i: number) => unknown;
}

export interface LoadResult {
	requests: number;
	errors: number;
	durationMs: number;
	rps: number;
	latenciesMs: number[];
	/** CPU the server process spent per response, when its pid was given. */
	cpuMsPerResponse: number | null;
}

/**
 * A small bounded load generator on loopback: `connections` keep-alive connections, each
 * sending its next request when the previous answer arrived, for `durationMs` or `maxRequests`.
 */
export async function runLoad(
	baseUrl: string,
	request: LoadRequest,
	options: { connections: number; durationMs?: number; maxRequests?: number; serverPid?: number },
): Promise<LoadResult> {
	const url = new URL(baseUrl);
	const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections });
	const latencies: number[] = [];
	let sent = 0;
	let errors = 0;
	const maxRequests = options.maxRequests ?? Number.POSITIVE_INFINITY;
	const deadline = performance.now() + (options.durationMs ?? 60 * 60_000);
	const cpuBefore = options.serverPid ? processCpuMs(options.serverPid) : 0;
	const started = performance.now();

	const one = (i: number): Promise<void> =>
		new Promise((resolve) => {
			const payload = request.body ? JSON.stringify(request.body(i)) : undefined;
			const t0 = performance.now();
			const req = http.request(
				{
					agent,
					host: url.hostname,
					port: url.port,
					method: request.method,
					path: request.path,
					headers: { ...(request.headers ?? {}), ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}) },
				},
				(res) => {
					res.on('data', () => undefined);
					res.on('end', () => {
						if ((res.statusCode ?? 500) >= 400) errors++;
						latencies.push(performance.now() - t0);
						resolve();
					});
				},
			);
			req.on('error', () => {
				errors++;
				resolve();
			});
			if (payload) req.write(payload);
			req.end();
		});

	const worker = async (): Promise<void> => {
		while (performance.now() < deadline && sent < maxRequests) await one(sent++);
	};
	await Promise.all(Array.from({ length: options.connections }, worker));
	const durationMs = performance.now() - started;
	const cpu = options.serverPid ? processCpuMs(options.serverPid) - cpuBefore : null;
	agent.destroy();
	return {
		requests: latencies.length,
		errors,
		durationMs,
		rps: (latencies.length / durationMs) * 1000,
		latenciesMs: latencies,
		cpuMsPerResponse: cpu === null ? null : cpu / Math.max(1, latencies.length),
	};
}
