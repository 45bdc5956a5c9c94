import type { Accountability, SchemaOverview } from '@directus/types';
import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import { ForbiddenError, InvalidPayloadError, MlError } from '../core/errors.js';
import { DeadlineExceededError, withCallBudget } from '../core/providers/call-budget.js';
import { usageSource } from '../core/usage/usage-source.js';
import type { CallOrigin } from '../core/usage/types.js';
import type { Container } from './container.js';
import { projectLockedError } from './directus-runtime.js';
import { sendError, type ErrorLogger } from './errors.js';
import { withUsageScope } from '../core/usage/usage-scope.js';

/**
 * Route glue. A handler receives a plain request (caller, parsed body/query, params) and the
 * container, and returns a JSON-serialisable body; `sendError` maps every failure to a
 * Directus-style error response in one place. Streaming handlers use `res` directly.
 */
export type Access = 'public' | 'user' | 'admin';

export interface MlRequest<Body = unknown, Query = unknown> {
	accountability: Accountability;
	body: Body;
	query: Query;
	params: Record<string, string>;
	schema: SchemaOverview;
	/** Aborted when the client disconnects. */
	signal: AbortSignal;
	/** Who calls, from which route (`route:<METHOD> /ml<path>`): the usage origin of provider calls this request makes. */
	origin: CallOrigin;
}

export interface RouteSpec<B extends z.ZodType, Q extends z.ZodType> {
	access: Access;
	body?: B;
	query?: Q;
	/** Success status. Default 200. */
	status?: number;
	/** Shape of the success body, for the OpenAPI document (and the typed SDK commands). */
	response?: z.ZodType;
	/** One line for the OpenAPI document. */
	summary?: string;
	/**
	 * Served while Directus 12 has locked the project (over its license limits). Default: false:
	 * like Directus's own item, file and GraphQL routes, the route answers Directus's
	 * `RESOURCE_RESTRICTED` error until an administrator resolves the limits. Only routes that
	 * touch no items (health, API description) are exempt.
	 */
	servedWhileLocked?: boolean;
	/**
	 * Counted by the per-user rate limit (ML_RATE_LIMIT_*). Default: POST routes open to
	 * non-admin users, which are the ones that call models for a caller.
	 */
	rateLimited?: boolean;
	/**
	 * Work that is long by nature (transcribing a recording): the interactive deadline and short
	 * provider budget do not apply; provider calls use the background settings
	 * (ML_PROVIDER_TIMEOUT_MS, ML_PROVIDER_MAX_RETRIES) and stop when the client disconnects.
	 * Default: false.
	 */
	longRunning?: boolean;
}

export type Handler<B extends z.ZodType, Q extends z.ZodType> = (
	req: MlRequest<z.infer<B>, z.infer<Q>>,
	container: Container,
	res: Response,
) => Promise<unknown>;

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** Every route registered through `route()`, for the OpenAPI document. */
export interface RouteInfo {
	method: Method;
	path: string;
	access: Access;
	body?: z.ZodType;
	query?: z.ZodType;
	status: number;
	response?: z.ZodType;
	summary?: string;
	servedWhileLocked: boolean;
}

/** Each router's routes, kept with the router (a second registration gets its own list). */
const routesByRouter = new WeakMap<Router, RouteInfo[]>();

/** The routes registered on `router` through `route()`, in registration order. */
export function registeredRoutes(router: Router): readonly RouteInfo[] {
	return routesByRouter.get(router) ?? [];
}

/**
 * A success body already serialised as JSON (UTF-8 bytes, or strings joined), sent as it is: for
 * bodies whose bulk the suite writes faster than `JSON.stringify` (float vectors,
 * `vectorJsonBytes`). Sent with `res.end`, so express computes no ETag over it — a hash of the
 * whole body (≈ 0.7 MB for a batch of 32 vectors) that no client of these POST routes can use.
 */
export class JsonText {
	readonly bytes: Buffer;
	/**
	 * A Buffer is taken as it is (not copied); strings and parts are joined as UTF-8. `release` is
	 * called once the response has finished (the bytes were handed to the socket), not when it
	 * was cut off: for bytes written into a pooled buffer (`BodyBuffers`).
	 */
	constructor(
		parts: string | Buffer | readonly (string | Buffer)[],
		readonly release?: () => void,
	) {
		if (Buffer.isBuffer(parts)) this.bytes = parts;
		else this.bytes = typeof parts === 'string' ? Buffer.from(parts) : Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));
	}
}

/**
 * Reused buffers for response bodies written by the suite (issue 16). A 32-vector float body
 * needs ≈ 1.2 MB of room (≈ 0.7 MB written): a fresh buffer of that size per call is fresh
 * memory from the system each time (page faults) and external memory that drives V8's full
 * collections. A buffer comes back with `release` once its response has finished; one whose
 * response was cut off is left to the garbage collector (the socket may still hold it).
 */
export class BodyBuffers {
	private readonly free: Buffer[] = [];

	constructor(
		/** Buffers kept for reuse. */
		private readonly keep = 8,
		/** Larger buffers are not kept (they are rare). */
		private readonly maxBytes = 4 * 1024 * 1024,
	) {}

	/** A buffer of at least `size` bytes (contents undefined) and the function that gives it back. */
	acquire(size: number): { buffer: Buffer; release: () => void } {
		const at = this.free.findIndex((b) => b.length >= size);
		let buffer: Buffer;
		if (at >= 0) buffer = this.free.splice(at, 1)[0]!;
		else {
			let length = 64 * 1024;
			while (length < size) length *= 2;
			buffer = Buffer.allocUnsafeSlow(length);
		}
		let released = false;
		const release = (): void => {
			if (released) return;
			released = true;
			if (buffer.length > this.maxBytes) return;
			if (this.free.length >= this.keep) this.free.shift();
			this.free.push(buffer);
		};
		return { buffer, release };
	}

	/** Buffers waiting for reuse (for tests). */
	get pooled(): number {
		return this.free.length;
	}
}

/** Registers a route on the `/ml` router. Returning `undefined` means the handler wrote the response itself. */
export function route<B extends z.ZodType = z.ZodUnknown, Q extends z.ZodType = z.ZodUnknown>(
	router: Router,
	method: Method,
	path: string,
	spec: RouteSpec<B, Q>,
	handler: Handler<B, Q>,
	getContainer: () => Promise<Container>,
): void {
	const routes = routesByRouter.get(router) ?? [];
	routesByRouter.set(router, routes);
	routes.push({ method, path, access: spec.access, body: spec.body, query: spec.query, status: spec.status ?? 200, response: spec.response, summary: spec.summary, servedWhileLocked: spec.servedWhileLocked ?? false });
	router[method](path, async (req: Request, res: Response) => {
		const controller = new AbortController();
		let deadline: ReturnType<typeof setTimeout> | undefined;
		res.on('close', () => {
			clearTimeout(deadline);
			if (!res.writableFinished) controller.abort();
		});
		let logger: ErrorLogger | undefined;
		try {
			const accountability = checkAccess(req, spec.access);
			const container = await getContainer();
			logger = container.host.logger;
			// Before the input is looked at, as Directus's own lock middleware runs before its routes.
			if (!spec.servedWhileLocked && (await container.directus.isLocked())) throw projectLockedError();
			// Administrators are not limited; everyone else is counted per user (per role/IP without one).
			if ((spec.rateLimited ?? (method === 'post' && spec.access === 'user')) && accountability.admin !== true) {
				await container.rateLimiter().consume(accountability.user ?? `${accountability.role ?? 'anonymous'}:${accountability.ip ?? ''}`);
			}
			const body = (spec.body ? parseInput(spec.body, req.body ?? {}, 'body') : req.body) as z.infer<B>;
			const query = (spec.query ? parseInput(spec.query, req.query ?? {}, 'query') : req.query) as z.infer<Q>;
			// Someone is waiting: provider calls get the short interactive budget, and the request
			// gives up with a 504 at the deadline. Once a stream has started, only the per-attempt
			// (silence) timeout applies, so long answers are not cut off.
			const { ML_INTERACTIVE_TIMEOUT_MS, ML_INTERACTIVE_MAX_RETRIES, ML_INTERACTIVE_DEADLINE_MS } = container.config;
			if (ML_INTERACTIVE_DEADLINE_MS > 0 && !spec.longRunning) {
				deadline = setTimeout(() => {
					if (!res.headersSent) controller.abort(new DeadlineExceededError(ML_INTERACTIVE_DEADLINE_MS));
				}, ML_INTERACTIVE_DEADLINE_MS);
				deadline.unref();
			}
			const budget = spec.longRunning ? null : { timeoutMs: ML_INTERACTIVE_TIMEOUT_MS, maxRetries: ML_INTERACTIVE_MAX_RETRIES, deadline: controller.signal };
			const run = (): Promise<unknown> =>
				handler(
					{
						accountability,
						body,
						query,
						params: req.params as Record<string, string>,
						schema: (req as Request & { schema: SchemaOverview }).schema,
						signal: controller.signal,
						origin: { user: accountability.user ?? null, ...usageSource.route(method, path) },
					},
					container,
					res,
				);
			// Budgets see who calls and through which route, however deep the provider call is made.
			const scoped = (): Promise<unknown> => withUsageScope({ user: accountability.user ?? null, role: accountability.role ?? null, source: usageSource.route(method, path).source }, run);
			const result = budget ? await withCallBudget(budget, scoped) : await scoped();
			if (result === undefined || res.headersSent) return;
			if (result instanceof JsonText) {
				res.status(spec.status ?? 200);
				res.setHeader('Content-Type', 'application/json; charset=utf-8');
				res.setHeader('Content-Length', result.bytes.byteLength);
				if (result.release) res.once('finish', result.release);
				res.end(result.bytes);
			} else res.status(spec.status ?? 200).json(result);
		} catch (error) {
			// A provider call cancelled by the deadline rejects with whatever it was doing; the deadline is the cause.
			const reason: unknown = controller.signal.aborted ? controller.signal.reason : undefined;
			sendError(res, reason instanceof DeadlineExceededError ? reason : error, req, logger);
		} finally {
			clearTimeout(deadline);
		}
	});
}

function checkAccess(req: Request, access: Access): Accountability {
	const accountability = (req as Request & { accountability?: Accountability | null }).accountability ?? null;
	if (access === 'public') return accountability ?? anonymous();
	if (!accountability || (!accountability.user && !accountability.role && !accountability.admin)) {
		throw new MlError('You must be authenticated to use this route. Send a Directus access token or static token.', {
			code: 'UNAUTHENTICATED',
			status: 401,
		});
	}
	if (access === 'admin' && accountability.admin !== true) throw new ForbiddenError('This action needs an administrator.');
	return accountability;
}

function anonymous(): Accountability {
	return { user: null, role: null, roles: [], admin: false, app: false, ip: null };
}

/** Parses input with zod; the 400 names each offending field and the rule it broke. */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown, where: 'body' | 'query' | 'options' | 'path'): z.infer<T> {
	const parsed = schema.safeParse(input);
	if (parsed.success) return parsed.data;
	const problems = parsed.error.issues.map((issue) => {
		const path = issue.path.length > 0 ? issue.path.join('.') : where;
		return { field: path, message: issue.message };
	});
	const summary = problems.map((p) => `"${p.field}": ${p.message}`).join('; ');
	throw new InvalidPayloadError(`Invalid ${where}: ${summary}`, { problems });
}
