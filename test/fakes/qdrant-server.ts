import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An in-process stand-in for a Qdrant server: the REST subset `@qdrant/js-client-rest` sends
 * for the vector store (collections create/get/exists/delete/list, payload index create, points
 * upsert, delete by filter or ids, query, count), with Qdrant's `{ result, status, time }`
 * envelope and error bodies. Search is exact cosine; filters are evaluated as Qdrant documents
 * them (must / should / must_not, match value/any/except, range, is_empty, is_null).
 * No real Qdrant server can run on this machine; this was not checked against a live one.
 */
export interface FakeQdrantServer {
	url: string;
	/** Every request received, for assertions on what the client sent. */
	requests: { method: string; path: string; query: URLSearchParams; body: unknown }[];
	close(): Promise<void>;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Obj = Record<string, unknown>;

interface Point {
	id: string | number;
	unit: number[];
	payload: Obj;
}

interface Collection {
	size: number;
	distance: string;
	points: Map<string, Point>;
	payloadSchema: Record<string, { data_type: string; points: number }>;
}

class HttpError extends Error {
	constructor(
		readonly status: number,
		message: string,
	) {
		super(message);
	}
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function pointKey(id: unknown): string {
	if (typeof id === 'number' && Number.isInteger(id) && id >= 0) return `n:${id}`;
	if (typeof id === 'string' && UUID.test(id)) return `u:${id.toLowerCase()}`;
	throw new HttpError(400, `Format error in JSON body: value ${JSON.stringify(id)} is not a valid point ID, valid values are either an unsigned integer or a UUID`);
}

function unit(vector: unknown, size: number): number[] {
	if (!Array.isArray(vector) || vector.some((v) => typeof v !== 'number')) throw new HttpError(400, 'Format error in JSON body: expected a dense vector');
	if (vector.length !== size) throw new HttpError(400, `Wrong input: Vector dimension error: expected dim: ${size}, got ${vector.length}`);
	const norm = Math.sqrt((vector as number[]).reduce((s, v) => s + v * v, 0));
	return (vector as number[]).map((v) => (norm === 0 ? 0 : v / norm));
}

function valuesAt(payload: Obj, key: string): unknown[] {
	let current: unknown[] = [payload];
	for (const part of key.split('.')) {
		const next: unknown[] = [];
		for (const value of current) {
			if (value && typeof value === 'object' && !Array.isArray(value) && part in value) next.push((value as Obj)[part]);
		}
		current = next.flatMap((v) => (Array.isArray(v) ? v : [v]));
	}
	return current;
}

function list(value: unknown): unknown[] {
	if (value === undefined || value === null) return [];
	return Array.isArray(value) ? value : [value];
}

function matches(filter: unknown, point: Point): boolean {
	if (!filter || typeof filter !== 'object') return true;
	const f = filter as Obj;
	if ('must' in f || 'should' in f || 'must_not' in f) {
		const should = list(f.should);
		return (
			list(f.must).every((c) => condition(c, point)) &&
			(should.length === 0 || should.some((c) => condition(c, point))) &&
			!list(f.must_not).some((c) => condition(c, point))
		);
	}
	return condition(f, point);
}

function condition(raw: unknown, point: Point): boolean {
	const c = raw as Obj;
	if ('must' in c || 'should' in c || 'must_not' in c) return matches(c, point);
	if ('is_empty' in c && typeof c.is_empty === 'object') return isEmpty(valuesAt(point.payload, String((c.is_empty as Obj).key)));
	if ('is_null' in c && typeof c.is_null === 'object') return valuesAt(point.payload, String((c.is_null as Obj).key)).some((v) => v === null);
	if ('has_id' in c) return list(c.has_id).some((id) => pointKey(id) === pointKey(point.id));
	if (typeof c.key !== 'string') throw new HttpError(400, `Format error in JSON body: unsupported condition ${JSON.stringify(raw)}`);
	const values = valuesAt(point.payload, c.key);
	if (c.match && typeof c.match === 'object') {
		const m = c.match as Obj;
		if ('value' in m) return values.some((v) => v === m.value);
		if ('any' in m) return values.some((v) => list(m.any).includes(v));
		if ('except' in m) return values.some((v) => !list(m.except).includes(v));
		throw new HttpError(400, `Format error in JSON body: unsupported match ${JSON.stringify(m)}`);
	}
	if (c.range && typeof c.range === 'object') {
		const r = c.range as Record<string, number | null | undefined>;
		return values.some(
			(v) =>
				typeof v === 'number' &&
				(r.gt == null || v > r.gt) &&
				(r.gte == null || v >= r.gte) &&
				(r.lt == null || v < r.lt) &&
				(r.lte == null || v <= r.lte),
		);
	}
	if (c.is_empty === true) return isEmpty(values);
	if (c.is_null === true) return values.some((v) => v === null);
	throw new HttpError(400, `Format error in JSON body: unsupported condition ${JSON.stringify(raw)}`);
}

function isEmpty(values: unknown[]): boolean {
	return values.every((v) => v === null);
}

function selectPayload(payload: Obj, withPayload: unknown): Obj | null {
	if (withPayload === true) return payload;
	if (Array.isArray(withPayload)) return Object.fromEntries(withPayload.filter((k) => typeof k === 'string' && k in payload).map((k) => [k, payload[k as string]]));
	return null;
}

/** Starts the fake on a free port. With `apiKey`, requests without a matching `api-key` header get 401. */
export async function startFakeQdrant(options: { apiKey?: string } = {}): Promise<FakeQdrantServer> {
	const collections = new Map<string, Collection>();
	const requests: FakeQdrantServer['requests'] = [];
	let operationId = 0;

	const need = (name: string): Collection => {
		const collection = collections.get(name);
		if (!collection) throw new HttpError(404, `Not found: Collection \`${name}\` doesn't exist!`);
		return collection;
	};
	const updated = (): Json => ({ operation_id: ++operationId, status: 'completed' });

	function route(method: string, parts: string[], body: Obj): Json | undefined {
		const [root, name, sub, action] = parts;
		if (method === 'GET' && parts.length === 0) return undefined;
		if (root !== 'collections') throw new HttpError(404, 'Not found');
		if (name === undefined) {
			if (method === 'GET') return { collections: [...collections.keys()].map((n) => ({ name: n })) };
			throw new HttpError(405, 'Method not allowed');
		}
		if (sub === undefined) {
			if (method === 'GET') {
				const c = need(name);
				return {
					status: 'green',
					optimizer_status: 'ok',
					indexed_vectors_count: 0,
					points_count: c.points.size,
					segments_count: 1,
					config: {
						params: { vectors: { size: c.size, distance: c.distance }, shard_number: 1, replication_factor: 1, write_consistency_factor: 1, on_disk_payload: true },
						hnsw_config: { m: 16, ef_construct: 100, full_scan_threshold: 10000, max_indexing_threads: 0, on_disk: false },
						optimizer_config: { deleted_threshold: 0.2, vacuum_min_vector_number: 1000, default_segment_number: 0, flush_interval_sec: 5 },
						wal_config: { wal_capacity_mb: 32, wal_segments_ahead: 0 },
						quantization_config: null,
					},
					payload_schema: c.payloadSchema as Json,
				};
			}
			if (method === 'PUT') {
				if (collections.has(name)) throw new HttpError(409, `Wrong input: Collection \`${name}\` already exists!`);
				const vectors = body.vectors as Obj | undefined;
				if (!vectors || typeof vectors.size !== 'number' || typeof vectors.distance !== 'string') throw new HttpError(400, 'Format error in JSON body: vectors config expected');
				collections.set(name, { size: vectors.size, distance: vectors.distance, points: new Map(), payloadSchema: {} });
				return true;
			}
			if (method === 'DELETE') return collections.delete(name);
			throw new HttpError(405, 'Method not allowed');
		}
		if (sub === 'exists' && method === 'GET') return { exists: collections.has(name) };
		const c = need(name);
		if (sub === 'index' && method === 'PUT') {
			if (typeof body.field_name !== 'string') throw new HttpError(400, 'Format error in JSON body: field_name expected');
			c.payloadSchema[body.field_name] = { data_type: String(body.field_schema ?? 'keyword'), points: c.points.size };
			return updated();
		}
		if (sub !== 'points') throw new HttpError(404, 'Not found');
		if (action === undefined && method === 'PUT') {
			if (c.distance !== 'Cosine') throw new HttpError(400, 'This fake only implements Cosine distance');
			for (const p of list(body.points) as Obj[]) c.points.set(pointKey(p.id), { id: p.id as string | number, unit: unit(p.vector, c.size), payload: (p.payload as Obj) ?? {} });
			return updated();
		}
		if (action === 'delete' && method === 'POST') {
			if (body.filter) for (const [key, p] of c.points) if (matches(body.filter, p)) c.points.delete(key);
			for (const id of list(body.points)) c.points.delete(pointKey(id));
			return updated();
		}
		if (action === 'count' && method === 'POST') return { count: [...c.points.values()].filter((p) => matches(body.filter, p)).length };
		if (action === 'query' && method === 'POST') {
			if (body.prefetch || (body.query && !Array.isArray(body.query))) throw new HttpError(400, 'This fake only implements nearest search by a dense vector');
			const query = unit(body.query, c.size);
			const threshold = typeof body.score_threshold === 'number' ? body.score_threshold : Number.NEGATIVE_INFINITY;
			const limit = typeof body.limit === 'number' ? body.limit : 10;
			const offset = typeof body.offset === 'number' ? body.offset : 0;
			const scored = [...c.points.values()]
				.filter((p) => matches(body.filter, p))
				.map((p) => ({ p, score: p.unit.reduce((s, v, i) => s + v * (query[i] as number), 0) }))
				.filter((s) => s.score >= threshold)
				.sort((a, b) => b.score - a.score)
				.slice(offset, offset + limit);
			return { points: scored.map(({ p, score }) => ({ id: p.id, version: operationId, score, payload: selectPayload(p.payload, body.with_payload) as Json })) };
		}
		throw new HttpError(404, 'Not found');
	}

	const server = createServer((req: IncomingMessage, res: ServerResponse) => {
		const started = process.hrtime.bigint();
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			const send = (status: number, payload: unknown): void => {
				res.writeHead(status, { 'content-type': 'application/json' });
				res.end(JSON.stringify(payload));
			};
			const time = Number(process.hrtime.bigint() - started) / 1e9;
			try {
				const url = new URL(req.url ?? '/', 'http://fake');
				const text = Buffer.concat(chunks).toString('utf8');
				let body: Obj = {};
				try {
					body = text ? (JSON.parse(text) as Obj) : {};
				} catch {
					throw new HttpError(400, 'Format error in JSON body: invalid JSON');
				}
				requests.push({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, body });
				if (options.apiKey !== undefined && req.headers['api-key'] !== options.apiKey) throw new HttpError(401, 'Must provide an API key or an Authorization bearer token');
				const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
				const result = route(req.method ?? 'GET', parts, body);
				if (parts.length === 0) return send(200, { title: 'qdrant - vector search engine', version: '1.16.0' });
				send(200, { result, status: 'ok', time });
			} catch (error) {
				const status = error instanceof HttpError ? error.status : 500;
				const message = error instanceof Error ? error.message : String(error);
				send(status, { status: { error: message }, time });
			}
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		requests,
		close: () =>
			new Promise<void>((resolve, reject) => {
				server.closeAllConnections();
				server.close((error) => (error ? reject(error) : resolve()));
			}),
	};
}
