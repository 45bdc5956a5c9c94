import type { Router } from 'express';
import { z } from 'zod';
import type { Container } from '../container.js';
import { registeredRoutes, route, type RouteInfo } from '../http.js';
import { SUITE_VERSION } from '../version.js';

function toOpenApiPath(path: string): string {
	return path.replace(/:([A-Za-z_]+)/g, '{$1}');
}

/**
 * A zod schema as an OpenAPI 3.0 Schema Object (the dialect the document declares: `nullable`,
 * no `$schema`, no tuple `items`): request bodies as the route accepts them (`io: 'input'`),
 * responses as it sends them.
 */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output' = 'input'): Record<string, unknown> {
	const out = z.toJSONSchema(schema, { target: 'openapi-3.0', io, unrepresentable: 'any' }) as Record<string, unknown>;
	delete out.$schema;
	return out;
}

interface Parameter {
	name: string;
	in: 'path' | 'query';
	required: boolean;
	schema: Record<string, unknown>;
}

function operation(info: RouteInfo): Record<string, unknown> {
	const parameters: Parameter[] = [...info.path.matchAll(/:([A-Za-z_]+)/g)].map((m) => ({ name: m[1] ?? '', in: 'path', required: true, schema: { type: 'string' } }));
	if (info.query) {
		const schema = jsonSchema(info.query) as { properties?: Record<string, unknown>; required?: string[] };
		for (const [name, prop] of Object.entries(schema.properties ?? {})) {
			parameters.push({ name, in: 'query', required: schema.required?.includes(name) ?? false, schema: prop as Record<string, unknown> });
		}
	}
	return {
		summary: info.summary ?? `${info.method.toUpperCase()} ${info.path}`,
		tags: [info.path.split('/')[1] ?? 'ml'],
		...(info.access === 'public' ? { security: [] } : {}),
		...(info.access === 'admin' ? { description: 'Administrators only.' } : {}),
		// Whether the route answers while Directus 12 has locked the project (license limits).
		'x-served-while-locked': info.servedWhileLocked,
		parameters,
		...(info.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(info.body) } } } } : {}),
		responses: {
			[String(info.status)]: info.response ? { description: 'Success', content: { 'application/json': { schema: jsonSchema(info.response, 'output') } } } : { description: 'Success' },
			'400': { $ref: '#/components/responses/Error' },
			'401': { $ref: '#/components/responses/Error' },
			...(info.access === 'admin' || !info.servedWhileLocked ? { '403': { $ref: '#/components/responses/Error' } } : {}),
		},
	};
}

/** The OpenAPI 3 document of the whole /ml surface, generated from the registered routes' zod schemas. */
export function buildOpenApi(routes: readonly RouteInfo[]): Record<string, unknown> {
	const paths: Record<string, Record<string, unknown>> = {
		'/ml/health/live': { get: { summary: 'Liveness (no auth)', security: [], responses: { '200': { description: 'Alive' } } } },
	};
	for (const info of routes) {
		const key = `/ml${toOpenApiPath(info.path)}`;
		paths[key] ??= {};
		paths[key][info.method] = operation(info);
	}
	return {
		openapi: '3.0.3',
		info: { title: 'Directus ML suite', version: SUITE_VERSION, description: 'Embeddings, semantic search, RAG and jobs inside Directus. Authenticate with a Directus access token or static token.' },
		security: [{ bearerAuth: [] }],
		paths,
		components: {
			securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } },
			responses: {
				Error: {
					description: 'Directus error format',
					content: {
						'application/json': {
							schema: {
								type: 'object',
								properties: {
									errors: {
										type: 'array',
										items: { type: 'object', properties: { message: { type: 'string' }, extensions: { type: 'object', properties: { code: { type: 'string' } } } } },
									},
								},
							},
						},
					},
				},
			},
		},
	};
}

export function registerOpenApiRoute(router: Router, getContainer: () => Promise<Container>): void {
	route(router, 'get', '/openapi.json', { access: 'user', summary: 'This OpenAPI document', servedWhileLocked: true }, async () => buildOpenApi(registeredRoutes(router)), getContainer);
}
